"""Tiny simple-English stories generated from a grammar.

Why a grammar instead of a real corpus: a ~1M-parameter model trained for a few
minutes can only learn a small, closed language. The grammar is built so that
the interesting attention heads have a job to do:

* pronouns refer back to a named character ("Mary found a ball. She gave it
  to Tom.") -> heads that look back at the antecedent;
* phrases are repeated inside a story ("a fluffy cat ... the fluffy cat") ->
  copying / induction heads are useful;
* indirect-object identification (IOI) sentences, e.g.
  "When Mary and John went to the store, John gave a drink to" -> "Mary":
  the answer is the name that is *not* repeated;
* the StatQuest lessons' own sentences ("The pizza came out of the oven and it
  tasted good!", "Squatch eats pizza", "What is StatQuest?"), so the app can show
  the videos' examples on this model without unknown words.

Held-out evaluation: every name appears in training, but a fixed set of
unordered name *pairs* (``HELDOUT_PAIRS``) never appears together in any
training story or training IOI example. ``heldout_stories`` /
``ioi_examples(split="heldout")`` use only those pairs, so IOI accuracy on them
measures the algorithm, not memorised pairs.

Text is natural English (capitalised names, normal punctuation); the project
tokenizer lower-cases it and splits punctuation, see ``vocabulary()``.
Everything is deterministic given ``seed`` (``random.Random`` with string
seeds is stable across Python runs and platforms).
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Split = Literal["train", "heldout"]

# --- word lists --------------------------------------------------------------

FEMALE_NAMES = ["Mary", "Anna", "Lucy", "Emma", "Kate", "Sara",
                "Lily", "Rose", "Amy", "Jane", "Mia", "Ella",
                "Zoe", "Nina", "Ruby", "Grace"]
MALE_NAMES = ["John", "Tom", "James", "David", "Max", "Sam",
              "Ben", "Leo", "Jack", "Paul", "Mark", "Tim",
              "Adam", "Luke", "Noah", "Owen"]
NAMES = FEMALE_NAMES + MALE_NAMES

OBJECTS = ["ball", "book", "cake", "apple", "drink", "flower", "toy", "kite",
           "hat", "box", "letter", "cookie", "balloon", "doll", "pencil", "cup",
           "orange", "egg", "shell", "rock", "coin", "bag", "card", "sandwich",
           "umbrella", "pie", "shoe", "ring", "bell", "map", "present",
           "bottle", "blanket", "basket", "candle", "banana", "feather", "pizza"]
PLACES = ["store", "park", "school", "beach", "zoo", "garden", "farm",
          "library", "market", "forest", "lake", "river", "playground",
          "museum", "castle", "hill", "shop", "station", "bakery", "kitchen",
          "pond", "city", "cave", "field", "pool", "village"]
ANIMALS = ["dog", "cat", "bird", "fish", "rabbit", "frog", "duck", "horse",
           "cow", "pig", "bear", "lion", "mouse", "owl", "fox", "sheep",
           "turtle", "puppy", "kitten", "bee", "goat", "chicken", "monkey",
           "elephant", "tiger", "snake", "ant", "squirrel"]
ADJECTIVES = ["big", "small", "little", "red", "blue", "green", "yellow",
              "old", "new", "shiny", "soft", "pretty", "funny", "tiny",
              "fluffy", "brown", "white", "black", "purple", "round", "pink",
              "warm", "clean", "dirty", "heavy", "striped", "sweet", "tall"]
FEELINGS = ["happy", "sad", "tired", "hungry", "excited", "scared", "angry",
            "sleepy", "proud", "surprised", "glad", "lonely", "brave", "calm",
            "worried"]
FIND_VERBS = ["found", "saw", "bought", "made", "picked up", "got", "took"]
GIVE_VERBS = ["gave", "handed", "brought", "passed", "threw", "sent",
              "showed", "offered"]
ANIMAL_ACTIONS = ["ran", "jumped", "slept", "played", "sat", "hid", "danced",
                  "walked", "rested", "waited", "swam", "sang", "climbed"]
WHERE = ["near the {place}", "in the {place}", "all day", "under a tree",
         "by the door", "in the sun"]
FEELING_ENDS = ["{He} smiled at {other}.", "{He} said thank you to {other}.",
                "{He} hugged {other}.", "{He} laughed with {other}."]
OPENINGS = [
    "Once upon a time, there was a {kind} named {a}.",
    "One day, {a} and {b} went to the {place}.",
    "{a} and {b} were friends.",
    "{a} lived near a {adj} {place}.",
    "It was a sunny day, and {a} was {feeling}.",
]
ENDINGS = ["They were very {feeling}.", "{a} and {b} had a lot of fun.",
           "The end.", "They played all day.", "Then they went home."]
# Foods that can be baked: the decoder-only lesson's "The pizza came out of the oven and it tasted good!"
BAKED = ["pizza", "cake", "pie", "cookie"]
TASTES = ["good", "sweet", "great"]
KINDS = {"f": "girl", "m": "boy"}
PRONOUNS = {"f": "She", "m": "He"}

# IOI templates: {n1} and {n2} are the two names in either order, {s} is the
# repeated name (subject). The prompt ends right before the indirect object.
IOI_TEMPLATES = [
    "When {n1} and {n2} went to the {place}, {s} {verb} {obj} to",
    "After {n1} and {n2} arrived at the {place}, {s} {verb} {obj} to",
    "{n1} and {n2} were at the {place}. {s} {verb} {obj} to",
    "While {n1} and {n2} were playing at the {place}, {s} {verb} {obj} to",
    "Then, {n1} and {n2} had a lot of fun at the {place}. {s} {verb} {obj} to",
    "{n1} and {n2} walked to the {place}, and {s} {verb} {obj} to",
]

# Extra sentence shapes used in the middle of stories (need {a} {b} {He}...).
_DIALOGUE = '{a} said, "Let\'s go to the {place}!" {b} said, "Yes!"'
# The lessons' own sentences: word order ("Squatch eats pizza" vs "Pizza eats Squatch") and
# the decoder-only prompt "What is StatQuest?" answered with "Awesome".
_DIALOGUES = [_DIALOGUE,
              '{a} asked, "What is StatQuest?" {b} said, "It is awesome!"',
              '{a} said, "Squatch eats pizza!" {b} laughed and said, "No, pizza eats Squatch!"']
# "it" refers back to the food, as in the lesson's masked self-attention example.
_OVEN = "{a} put {food} in the oven. The {name} came out of the oven and it tasted {taste}! {He} gave it to {b}."
_WANT = "{a} wanted {obj}. {b} wanted {obj} too."
_NEXT_DAY = "The next day, {a} and {b} went to the {place}. {a} was {feeling}."

_TOKEN_RE = re.compile(r"[\w]+(?:'[\w]+)?|[^\w\s]")
MIN_TOKENS, MAX_TOKENS = 20, 80


def tokenize(text: str) -> list[str]:
    """The project's word-level tokenization (lower-case, punctuation split)."""
    return _TOKEN_RE.findall(text.lower())


def _gender(name: str) -> str:
    return "f" if name in FEMALE_NAMES else "m"


def _with_article(phrase: str) -> str:
    """'a' or 'an' + phrase, by the first letter (no exceptions in our lists)."""
    return ("an " if phrase[0] in "aeiou" else "a ") + phrase


# --- held-out name pairs ---------------------------------------------------------

def _all_pairs() -> list[frozenset[str]]:
    return [frozenset(p) for p in itertools.combinations(NAMES, 2)]


@lru_cache(maxsize=1)
def _pair_split() -> tuple[tuple[frozenset[str], ...], tuple[frozenset[str], ...]]:
    """Deterministically reserve ~15% of unordered name pairs for held-out."""
    pairs = _all_pairs()
    rng = random.Random("attention-lab/stories/heldout-pairs")
    held = set(rng.sample(range(len(pairs)), k=len(pairs) * 15 // 100))
    train = tuple(p for i, p in enumerate(pairs) if i not in held)
    heldout = tuple(p for i, p in enumerate(pairs) if i in held)
    return train, heldout


TRAIN_PAIRS, HELDOUT_PAIRS = _pair_split()


def is_heldout_pair(a: str, b: str) -> bool:
    """True if the unordered pair {a, b} is reserved for held-out evaluation."""
    return frozenset((a, b)) in set(HELDOUT_PAIRS)


def _pick_cast(rng: random.Random, split: Split) -> tuple[str, str]:
    pool = TRAIN_PAIRS if split == "train" else HELDOUT_PAIRS
    a, b = sorted(rng.choice(pool))
    return (a, b) if rng.random() < 0.5 else (b, a)


# --- IOI ---------------------------------------------------------------------

@dataclass(frozen=True)
class IOIExample:
    """prompt ends right before the answer; answer = indirect object (the name
    mentioned once), distractor = subject (the repeated name)."""
    prompt: str
    answer: str
    distractor: str


def _ioi(rng: random.Random, io: str, subj: str) -> IOIExample:
    n1, n2 = (io, subj) if rng.random() < 0.5 else (subj, io)
    obj = _with_article(rng.choice(OBJECTS))
    prompt = rng.choice(IOI_TEMPLATES).format(
        n1=n1, n2=n2, s=subj, place=rng.choice(PLACES),
        verb=rng.choice(GIVE_VERBS), obj=obj)
    return IOIExample(prompt=prompt, answer=io, distractor=subj)


def ioi_examples(n: int, seed: int, split: Split = "train") -> list[IOIExample]:
    """``n`` stand-alone IOI prompts from the ``split`` name pairs.

    The seed stream is separate from the story streams, so these are fresh
    sentences (train split: same distribution as the stories' IOI sentences).
    """
    _check_split(split)
    rng = random.Random(f"attention-lab/ioi/{split}/{seed}")
    out = []
    for _ in range(n):
        a, b = _pick_cast(rng, split)
        out.append(_ioi(rng, io=a, subj=b))
    return out


# --- stories -----------------------------------------------------------------

def _fill(template: str, rng: random.Random, a: str, b: str) -> str:
    return template.format(
        a=a, b=b, kind=KINDS[_gender(a)], place=rng.choice(PLACES),
        adj=rng.choice(ADJECTIVES), feeling=rng.choice(FEELINGS))


def _middle(rng: random.Random, a: str, b: str) -> str:
    """One 1-3 sentence episode about the cast (a acts, b receives)."""
    kind = rng.randrange(8)
    if kind == 0:   # pronoun + "it" reference
        thing = _with_article(f"{rng.choice(ADJECTIVES)} {rng.choice(OBJECTS)}")
        return (f"{a} {rng.choice(FIND_VERBS)} {thing} at the {rng.choice(PLACES)}."
                f" {PRONOUNS[_gender(a)]} gave it to {b}.")
    if kind == 1:   # feelings, pronoun for b
        end = rng.choice(FEELING_ENDS).format(He=PRONOUNS[_gender(b)], other=a)
        return f"{b} was very {rng.choice(FEELINGS)}. {end}"
    if kind == 2:   # repeated noun phrase -> copying / induction
        adj, animal = rng.choice(ADJECTIVES), rng.choice(ANIMALS)
        where = rng.choice(WHERE).format(place=rng.choice(PLACES))
        return (f"{a} saw {_with_article(f'{adj} {animal}')}. The {adj} {animal}"
                f" {rng.choice(ANIMAL_ACTIONS)} {where}."
                f" {PRONOUNS[_gender(a)]} liked the {adj} {animal}.")
    if kind == 3:   # exact repetition of a phrase
        return _WANT.format(a=a, b=b, obj=_with_article(rng.choice(OBJECTS)))
    if kind == 4:
        return rng.choice(_DIALOGUES).format(a=a, b=b, place=rng.choice(PLACES))
    if kind == 5:
        return _NEXT_DAY.format(a=a, b=b, place=rng.choice(PLACES),
                                feeling=rng.choice(FEELINGS))
    if kind == 7:
        food = rng.choice(BAKED)
        return _OVEN.format(a=a, b=b, food=_with_article(food), name=food,
                            taste=rng.choice(TASTES), He=PRONOUNS[_gender(a)])
    ex = _ioi(rng, io=b, subj=a)
    return f"{ex.prompt} {ex.answer}."


def _story(rng: random.Random, split: Split, ioi_fraction: float) -> str:
    a, b = _pick_cast(rng, split)
    parts = [_fill(rng.choice(OPENINGS), rng, a, b)]
    if rng.random() < ioi_fraction:     # IOI-heavy story: 2-3 IOI episodes
        for _ in range(rng.randint(2, 3)):
            io, s = (a, b) if rng.random() < 0.5 else (b, a)
            ex = _ioi(rng, io=io, subj=s)
            parts.append(f"{ex.prompt} {ex.answer}.")
    else:
        for _ in range(rng.randint(2, 4)):
            x, y = (a, b) if rng.random() < 0.5 else (b, a)
            parts.append(_middle(rng, x, y))
    parts.append(_fill(rng.choice(ENDINGS), rng, a, b))
    # Keep within the length budget: drop middle episodes from the end.
    while len(parts) > 3 and len(tokenize(" ".join(parts))) > MAX_TOKENS:
        del parts[-2]
    return " ".join(parts)


def _check_split(split: str) -> None:
    if split not in ("train", "heldout"):
        raise ValueError(f"split must be 'train' or 'heldout', got {split!r}")


def generate_stories(n: int, seed: int, ioi_fraction: float = 0.35) -> list[str]:
    """``n`` training stories (about 20-80 tokens each).

    ``ioi_fraction`` of them are IOI-heavy (2-3 completed IOI sentences); the
    rest mix pronoun, repetition, dialogue and (sometimes) IOI episodes. No
    story contains a held-out name pair.
    """
    rng = random.Random(f"attention-lab/stories/train/{seed}")
    return [_story(rng, "train", ioi_fraction) for _ in range(n)]


def heldout_stories(n: int, seed: int, ioi_fraction: float = 0.35) -> list[str]:
    """Like ``generate_stories`` but cast only from ``HELDOUT_PAIRS`` and drawn
    from a separate seed stream."""
    rng = random.Random(f"attention-lab/stories/heldout/{seed}")
    return [_story(rng, "heldout", ioi_fraction) for _ in range(n)]


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[str, ...]:
    words = (NAMES + OBJECTS + PLACES + ANIMALS + ADJECTIVES + FEELINGS
             + FIND_VERBS + GIVE_VERBS + ANIMAL_ACTIONS + BAKED + TASTES + list(KINDS.values())
             + list(PRONOUNS.values()))
    templates = (WHERE + FEELING_ENDS + OPENINGS + ENDINGS + IOI_TEMPLATES
                 + _DIALOGUES + [_OVEN, _WANT, _NEXT_DAY,
                    # literal text inside _middle / _story / _with_article:
                    "a an at the gave it to was very saw the liked the ."])
    toks: set[str] = set()
    for text in words + templates:
        toks.update(tokenize(re.sub(r"\{\w+\}", " ", text)))
    return tuple(sorted(toks))


def vocabulary() -> list[str]:
    """Every token (lower-cased, punctuation included) stories can produce."""
    return list(_vocabulary())
