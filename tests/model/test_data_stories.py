"""Tests for the story grammar: determinism, closure, held-out pairs, IOI."""

import re

import pytest
from hypothesis import given, settings, strategies as st

from model.data import stories as S

TOKEN_RE = re.compile(r"[\w]+(?:'[\w]+)?|[^\w\s]")
NAMES_LC = {n.lower(): n for n in S.NAMES}


def toks(text):
    return TOKEN_RE.findall(text.lower())


def cast(story):
    return {NAMES_LC[t] for t in toks(story) if t in NAMES_LC}


@pytest.fixture(scope="module")
def train():
    return S.generate_stories(3000, seed=0)


@pytest.fixture(scope="module")
def heldout():
    return S.heldout_stories(1000, seed=0)


def test_deterministic_and_seed_dependent():
    assert S.generate_stories(50, 7) == S.generate_stories(50, 7)
    assert S.generate_stories(50, 7) != S.generate_stories(50, 8)
    assert S.ioi_examples(50, 3) == S.ioi_examples(50, 3)
    assert S.ioi_examples(50, 3) != S.ioi_examples(50, 4)
    assert S.heldout_stories(20, 7) != S.generate_stories(20, 7)


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=0, max_value=2**31))
def test_any_seed_is_reproducible(seed):
    assert S.generate_stories(5, seed) == S.generate_stories(5, seed)


def test_vocabulary_is_sorted_lowercase_and_closed(train, heldout):
    vocab = S.vocabulary()
    assert vocab == sorted(set(vocab))
    assert all(v == v.lower() for v in vocab)
    assert {",", ".", "!", "?", '"', "let's"} <= set(vocab)
    assert 200 <= len(vocab) <= 1000
    texts = list(train) + list(heldout)
    for split in ("train", "heldout"):
        texts += [f"{e.prompt} {e.answer}." for e in S.ioi_examples(1000, 1, split)]
    produced = {t for text in texts for t in toks(text)}
    assert produced <= set(vocab), produced - set(vocab)
    # the module's own tokenize agrees with the project regex
    assert all(S.tokenize(t) == toks(t) for t in texts[:200])


def test_story_lengths(train, heldout):
    lengths = [len(toks(s)) for s in list(train) + list(heldout)]
    assert min(lengths) >= S.MIN_TOKENS
    assert max(lengths) <= S.MAX_TOKENS


def test_name_pair_split():
    train, held = set(S.TRAIN_PAIRS), set(S.HELDOUT_PAIRS)
    assert held and not (train & held)
    assert len(train | held) == len(S.NAMES) * (len(S.NAMES) - 1) // 2
    # every name is seen in training; held-out tests pairs, not names
    assert set().union(*train) == set(S.NAMES)
    assert S.is_heldout_pair(*sorted(next(iter(held))))


def test_training_never_sees_heldout_pairs(train, heldout):
    # a story has a cast of two (occasionally only one is mentioned)
    for story in train:
        c = cast(story)
        assert 1 <= len(c) <= 2, story
        assert len(c) == 1 or frozenset(c) in set(S.TRAIN_PAIRS), story
    assert sum(len(cast(s)) == 2 for s in heldout) > 0.9 * len(heldout)
    for story in heldout:
        c = cast(story)
        assert len(c) == 1 or frozenset(c) in set(S.HELDOUT_PAIRS), story
    for e in S.ioi_examples(1000, 0, "train"):
        assert not S.is_heldout_pair(e.answer, e.distractor)
    for e in S.ioi_examples(1000, 0, "heldout"):
        assert S.is_heldout_pair(e.answer, e.distractor)


@pytest.mark.parametrize("split", ["train", "heldout"])
def test_ioi_examples_are_well_formed(split):
    examples = S.ioi_examples(500, 11, split)
    orders = set()
    for e in examples:
        t = toks(e.prompt)
        assert t[-1] == "to"
        assert e.answer != e.distractor
        assert t.count(e.answer.lower()) == 1       # indirect object: once
        assert t.count(e.distractor.lower()) == 2   # subject: repeated
        orders.add(t.index(e.answer.lower()) < t.index(e.distractor.lower()))
    assert orders == {True, False}  # both ABBA and BABA name orders occur


def _template_regex(template):
    pat = re.escape(template)
    for name in ("n1", "n2", "s", "place", "verb", "obj"):
        group = r"(?P<%s>[A-Z]\w+)" % name if name in ("n1", "n2", "s") else r".+?"
        pat = pat.replace(re.escape("{%s}" % name), group, 1)
    return re.compile(pat + r" (?P<ans>[A-Z]\w+)\.")


def test_ioi_sentences_in_stories_are_completed_correctly(train):
    regexes = [_template_regex(t) for t in S.IOI_TEMPLATES]
    n_found, n_heavy = 0, 0
    for story in train:
        found = 0
        for rx in regexes:
            for m in rx.finditer(story):
                n1, n2, s, ans = m["n1"], m["n2"], m["s"], m["ans"]
                assert s in (n1, n2) and n1 != n2
                assert ans == (n2 if s == n1 else n1), m.group(0)
                found += 1
        n_found += found
        n_heavy += found >= 2
    # enough IOI signal for a small model to learn the task
    assert n_heavy / len(train) > 0.25
    assert n_found / len(train) > 0.8


def test_pronouns_agree_with_antecedent(train):
    rx = re.compile(r"(?P<name>[A-Z]\w+) \w+(?: up)? an? [\w ]+ at the \w+\. "
                    r"(?P<pron>She|He) gave it to")
    seen = 0
    for story in train:
        for m in rx.finditer(story):
            expected = "She" if m["name"] in S.FEMALE_NAMES else "He"
            assert m["pron"] == expected, m.group(0)
            seen += 1
    assert seen > 100


LESSON_SENTENCES = ["The pizza came out of the oven and it tasted good!", "Squatch eats pizza",
                    "Pizza eats Squatch", "Let's go", "What is StatQuest?", "Awesome"]


@pytest.mark.parametrize("sentence", LESSON_SENTENCES)
def test_the_lessons_sentences_are_in_the_vocabulary(sentence):
    assert set(toks(sentence)) <= set(S.vocabulary())


def test_the_lessons_sentences_occur_in_training_stories(train):
    text = " ".join(train)
    assert text.count("The pizza came out of the oven and it tasted good!") > 20
    for phrase in ('"Squatch eats pizza!"', '"No, pizza eats Squatch!"', '"Let\'s go to the', '"What is StatQuest?"',
                   '"It is awesome!"'):
        assert text.count(phrase) > 50, phrase


def test_the_oven_episode_refers_back_to_the_food_and_its_baker(train):
    # "it" is the food just named; the pronoun after it agrees with whoever baked it
    rx = re.compile(r"(?P<name>[A-Z]\w+) put an? (?P<food>\w+) in the oven\. The (?P<again>\w+) came out of "
                    r"the oven and it tasted \w+! (?P<pron>She|He) gave it to (?P<other>[A-Z]\w+)\.")
    seen = 0
    for story in train:
        for m in rx.finditer(story):
            assert m["food"] == m["again"] and m["food"] in S.BAKED, m.group(0)
            assert m["pron"] == ("She" if m["name"] in S.FEMALE_NAMES else "He"), m.group(0)
            assert m["other"] != m["name"] and {m["name"], m["other"]} <= cast(story), m.group(0)
            seen += 1
    assert seen > 100


def test_repeated_phrases_exist(train):
    # "X saw a fluffy cat. The fluffy cat ..." gives copying heads work to do
    rx = re.compile(r"saw an? (\w+ \w+)\. The \1 ")
    assert sum(bool(rx.search(s)) for s in train) > 200
