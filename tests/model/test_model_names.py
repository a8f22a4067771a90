"""Trace names (model.names) against the names the model itself records, and Trace's accessors."""

import pytest
import torch

from model import names
from tests.model_factory import random_bundle


@pytest.fixture(scope="module", params=["decoder", "translator", "post-norm", "local"])
def trace(request):
    overrides = {"decoder": {}, "translator": {"architecture": "encoder-decoder"}, "post-norm": {"norm": "post"},
                 "local": {"local_layers": 1, "local_window": 3, "distance_bias": True}}[request.param]
    return random_bundle(**overrides).run("the cat sat on the mat", **({"continuation": [5, 6]} if request.param == "translator" else {}))


def test_every_recorded_name_parses_and_is_made_again_from_its_parts(trace):
    assert len(trace) > 20
    for name in trace:
        p = names.parse(name)
        assert names.act_name(p.kind, p.layer, p.stack, p.sub) == name


def test_act_name_writes_the_transformerlens_names():
    assert names.act_name("pattern", 0) == "blocks.0.attn.hook_pattern"
    assert names.act_name("pattern", 1, stack="decoder", sub="cross_attn") == "decoder.blocks.1.cross_attn.hook_pattern"
    assert names.act_name("resid_pre", 2) == "blocks.2.hook_resid_pre"
    assert names.act_name("embed", stack="encoder") == "encoder.hook_embed"
    assert names.act_name("pos_embed") == "hook_pos_embed"
    assert names.act_name("normalized") == "ln_final.hook_normalized"
    assert names.act_name("normalized", 0, sub="ln_cross") == "blocks.0.ln_cross.hook_normalized"
    assert names.act_name("post", 1) == "blocks.1.mlp.hook_post"
    assert names.act_name("logits") == "logits"
    assert names.act_name("resid_mid", "{l}", stack="decoder") == "decoder.blocks.{l}.hook_resid_mid"  # a template
    assert names.module_name(0, "encoder") == "encoder.blocks.0.attn"


@pytest.mark.parametrize("bad", [("patern", 0), ("pattern",), ("resid_pre",), ("embed", None, "middle"),
                                 ("normalized", 0), ("normalized", 0, "", "attn")])
def test_act_name_refuses_what_no_model_records(bad):
    with pytest.raises(ValueError):
        names.act_name(*bad)


def test_parse_reads_layer_stack_and_module():
    p = names.parse("decoder.blocks.3.cross_attn.hook_attn_scores")
    assert p == ("decoder", 3, "cross_attn", "attn_scores")
    assert names.parse("blocks.1.attn") == ("", 1, "attn", None)
    assert names.layer_of("encoder.blocks.12.hook_resid_post") == 12 and names.layer_of("hook_embed") is None
    assert names.stack_of("encoder.hook_embed") == "encoder" and names.stack_of("blocks.0.attn") == ""
    assert names.module_of("decoder.blocks.0.cross_attn.hook_k") == "decoder.blocks.0.cross_attn"
    assert [names.module_kind(m) for m in ("blocks.0.attn", "encoder.blocks.0.attn", "decoder.blocks.0.attn",
                                           "decoder.blocks.0.cross_attn")] == ["masked", "encoder", "masked", "cross"]
    for bad in ("blocks.x.attn", "attn.hook_nothing", "blocks", "blocks.0.attn.mlp.hook_k"):
        with pytest.raises(ValueError):
            names.parse(bad)


def test_residual_names_around_each_attention_module():
    assert names.residual_step("blocks.0.attn") == ("blocks.0.hook_resid_pre", "blocks.0.hook_attn_out", "blocks.0.hook_resid_mid")
    assert names.residual_step("decoder.blocks.1.cross_attn") == (
        "decoder.blocks.1.hook_resid_mid", "decoder.blocks.1.hook_cross_attn_out", "decoder.blocks.1.hook_resid_mid_cross")
    assert names.attention_input("blocks.0.attn", "pre") == "blocks.0.ln1.hook_normalized"
    assert names.attention_input("decoder.blocks.0.cross_attn", "pre") == "decoder.blocks.0.ln_cross.hook_normalized"
    assert names.attention_input("blocks.0.attn", "post") == "blocks.0.hook_resid_pre"


def test_residual_names_exist_in_real_traces_and_add_up(trace, request):
    post_norm = request.node.callspec.params["trace"] == "post-norm"
    for module in trace.attention_modules():
        step = names.residual_step(module)
        total = trace[step.stream_in] + trace[step.added]
        if post_norm:  # the sum, then a fresh layer norm (weight 1, bias 0)
            total = torch.nn.functional.layer_norm(total, total.shape[-1:])
        torch.testing.assert_close(trace[step.stream_out], total)


def test_trace_answers_tuples_and_modules(trace):
    module = trace.attention_modules()[0]
    p = names.parse(module)
    assert trace["pattern", p.layer, p.stack, p.sub] is trace[f"{module}.hook_pattern"]
    assert trace.at(module, "k") is trace[f"{module}.hook_k"] and trace.pattern(module) is trace.at(module, "pattern")
    assert ("pattern", p.layer, p.stack, p.sub) in trace and ("pattern", 99, p.stack, p.sub) not in trace
    assert trace.has(module, "mask") and not trace.has(module, "post")
    with pytest.raises(KeyError, match="blocks.99.attn.hook_pattern"):
        trace["pattern", 99, p.stack]


def test_decoder_only_trace_by_layer():
    trace = random_bundle().run("the cat sat")
    assert trace["pattern", 1] is trace["blocks.1.attn.hook_pattern"]
    assert trace["resid_pre", 1] is trace["blocks.1.hook_resid_pre"]
    assert trace.attention_modules() == ["blocks.0.attn", "blocks.1.attn"]
