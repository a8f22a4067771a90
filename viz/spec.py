"""Cached Vega-Lite specs: a chart's shape is built once with Altair, each keystroke sends only data.

Why its own module, free of Altair at import: the first page a visitor sees draws no Altair
chart, and importing Altair (a quarter of a second) on a cold server delayed it. Altair is
needed only when a spec is first built.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import altair as alt


_ALTAIR_GLOBALS = threading.Lock()  # Altair's data transformer and theme are global to all threads


@dataclass(frozen=True)
class SpecChart:
    """A Vega-Lite spec that refers to its data by name, and that data.

    Why: building an Altair chart and validating it against the Vega-Lite schema costs more than
    everything else a keystroke does. A chart's spec depends only on the view's shape
    (title, cell size, options), not on the numbers, so it is built once with Altair (validated),
    cached as JSON, and each keystroke sends only new data. Streamlit also keeps a chart whose spec
    did not change mounted and swaps its data, which is cheaper in the browser too.
    """

    spec_json: str
    datasets: Mapping[str, pd.DataFrame]
    values: Mapping[str, float | str] = field(default_factory=dict)  # of the spec's top-level params (a colour bound, a title)

    def _spec(self) -> dict:
        spec = json.loads(self.spec_json)
        for param in spec.get("params", []):
            if param["name"] in self.values:
                param["value"] = self.values[param["name"]]
        return spec

    def streamlit_spec(self) -> dict:
        """A fresh spec with the frames as named datasets (Streamlit sends them as Arrow)."""
        return {**self._spec(), "datasets": dict(self.datasets)}

    def to_dict(self) -> dict:
        """The complete spec with its data inline as JSON records (tests, exports)."""
        return {**self._spec(),
                "datasets": {name: json.loads(frame.to_json(orient="records")) for name, frame in self.datasets.items()}}


def spec_template(build: Callable[..., alt.TopLevelMixin]) -> Callable[..., str]:
    """Cache a chart builder's validated spec, as JSON, by its (hashable) arguments."""

    @functools.lru_cache(maxsize=256)
    def cached(*args, **kwargs) -> str:
        with _ALTAIR_GLOBALS:  # not while from_altair has swapped Altair's global settings
            return json.dumps(build(*args, **kwargs).to_dict())

    return functools.wraps(build)(cached)


def from_altair(chart: alt.TopLevelMixin) -> SpecChart:
    """An Altair chart as a SpecChart: its DataFrames as named datasets ("frame_0", "frame_1"...
    in the order Altair meets them), the spec converted without schema validation.

    Why: for the charts still built with Altair on every keystroke, validating the spec took about
    a third of a page's script time, and the viz tests already validate every chart function.
    Datasets named by order (not by content, as Streamlit names them) also keep a chart's spec the
    same from one keystroke to the next when only its numbers change, so the browser updates the
    chart in place.
    """
    import altair as alt

    frames: dict[str, pd.DataFrame] = {}
    names: dict[int, str] = {}

    def to_named(data):
        if not isinstance(data, pd.DataFrame):  # values already in the spec, a URL: as they are
            return data
        if id(data) not in names:
            names[id(data)] = f"frame_{len(frames)}"  # not "data_N": Vega-Lite names its own data so
            frames[names[id(data)]] = data
        return {"name": names[id(data)]}

    with _ALTAIR_GLOBALS:
        alt.data_transformers.register("attention_lab_named", to_named)
        with alt.data_transformers.enable("attention_lab_named"), alt.theme.enable("none"):
            spec = chart.to_dict(validate=False)
    for name, records in spec.pop("datasets", {}).items():  # inline values (a chart made from a list)
        frames[name] = pd.DataFrame.from_records(records)
    return SpecChart(json.dumps(spec), frames)
