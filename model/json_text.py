"""JSON from a file a visitor may have written: every way it can fail becomes one error with a reason.

Why its own module: the config, the tokenizer and the checkpoint's other files are parsed the
same way, and a deeply nested file raises RecursionError, which json.loads does not wrap.
"""

from __future__ import annotations

import json


class JsonTextError(ValueError):
    """Why the text is not usable JSON, in words a user can act on."""


def parse_json(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise JsonTextError(f"not valid JSON ({err})") from None
    except RecursionError:
        raise JsonTextError("not usable JSON (nested too deeply)") from None
