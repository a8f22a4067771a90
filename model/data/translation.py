"""English -> Spanish sentence pairs from a tiny grammar.

Why this grammar: it is the smallest setting where an encoder-decoder's
cross-attention visibly has to do more than a diagonal copy:

* adjectives move after the noun ("the red car" -> "el coche rojo"), so the
  decoder must look *back and forth* in the source;
* articles, demonstratives and adjectives agree with the noun's gender and
  number ("the red houses" -> "las casas rojas"), so the decoder must consult
  the noun while writing the article *before* it;
* verbs are conjugated for the subject ("we see" -> "nosotros vemos").

Translation rules (one deterministic translation per sentence):

* Sentence = subject + verb (+ "not") + object (+ optional place / time).
* Subject pronouns are always KEPT: i/you/he/she/we/they -> yo/tú/él/ella/
  nosotros/ellos ("you" is singular informal, "we"/"they" use the masculine
  form). Keeping them gives a clean source<->target alignment to look at.
* Subjects are animate nouns, objects inanimate nouns (avoids the personal
  "a" of Spanish); at most one adjective per noun phrase.
* Negation: "does not see" -> "no ve".
* Both sides are lower-case; Spanish keeps its accents (pequeño, jardín).

Held-out generalisation: a fixed set of (noun, adjective) pairs and of
(subject, verb, object) triples (``HELDOUT_NOUN_ADJ``, ``HELDOUT_SVO``) never
appears in ``split="train"``; every ``split="heldout"`` sentence contains at
least one of them. Individual words are all seen in training.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, Optional

Split = Literal["train", "heldout"]
PERSONS = ("1s", "2s", "3s", "1p", "3p")

# noun: (english singular, english plural, spanish singular, spanish plural, gender)
ANIMATE = [
    ("dog", "dogs", "perro", "perros", "m"),
    ("cat", "cats", "gato", "gatos", "m"),
    ("bird", "birds", "pájaro", "pájaros", "m"),
    ("horse", "horses", "caballo", "caballos", "m"),
    ("mouse", "mice", "ratón", "ratones", "m"),
    ("boy", "boys", "niño", "niños", "m"),
    ("man", "men", "hombre", "hombres", "m"),
    ("cow", "cows", "vaca", "vacas", "f"),
    ("goat", "goats", "cabra", "cabras", "f"),
    ("girl", "girls", "niña", "niñas", "f"),
    ("woman", "women", "mujer", "mujeres", "f"),
]
INANIMATE = [
    ("car", "cars", "coche", "coches", "m"),
    ("book", "books", "libro", "libros", "m"),
    ("hat", "hats", "sombrero", "sombreros", "m"),
    ("shoe", "shoes", "zapato", "zapatos", "m"),
    ("phone", "phones", "teléfono", "teléfonos", "m"),
    ("pencil", "pencils", "lápiz", "lápices", "m"),
    ("glass", "glasses", "vaso", "vasos", "m"),
    ("house", "houses", "casa", "casas", "f"),
    ("table", "tables", "mesa", "mesas", "f"),
    ("ball", "balls", "pelota", "pelotas", "f"),
    ("flower", "flowers", "flor", "flores", "f"),
    ("chair", "chairs", "silla", "sillas", "f"),
    ("door", "doors", "puerta", "puertas", "f"),
    ("window", "windows", "ventana", "ventanas", "f"),
    ("box", "boxes", "caja", "cajas", "f"),
    ("cup", "cups", "taza", "tazas", "f"),
    ("key", "keys", "llave", "llaves", "f"),
    ("apple", "apples", "manzana", "manzanas", "f"),
    ("bag", "bags", "bolsa", "bolsas", "f"),
]
NOUNS = {n[0]: n for n in ANIMATE + INANIMATE}
ANIMATE_NOUNS = frozenset(n[0] for n in ANIMATE)

# adjective: english -> spanish (m sg, f sg, m pl, f pl)
ADJECTIVES = {
    "red": ("rojo", "roja", "rojos", "rojas"),
    "black": ("negro", "negra", "negros", "negras"),
    "white": ("blanco", "blanca", "blancos", "blancas"),
    "yellow": ("amarillo", "amarilla", "amarillos", "amarillas"),
    "small": ("pequeño", "pequeña", "pequeños", "pequeñas"),
    "new": ("nuevo", "nueva", "nuevos", "nuevas"),
    "old": ("viejo", "vieja", "viejos", "viejas"),
    "pretty": ("bonito", "bonita", "bonitos", "bonitas"),
    "ugly": ("feo", "fea", "feos", "feas"),
    "cheap": ("barato", "barata", "baratos", "baratas"),
    "dirty": ("sucio", "sucia", "sucios", "sucias"),
    "green": ("verde", "verde", "verdes", "verdes"),
    "big": ("grande", "grande", "grandes", "grandes"),
    "blue": ("azul", "azul", "azules", "azules"),
}

# determiner: english (sg, pl) -> spanish (m sg, f sg, m pl, f pl)
DETERMINERS = {
    "the": (("the", "the"), ("el", "la", "los", "las")),
    "a": (("a", "some"), ("un", "una", "unos", "unas")),
    "this": (("this", "these"), ("este", "esta", "estos", "estas")),
    "my": (("my", "my"), ("mi", "mi", "mis", "mis")),
}

# verb: english (base, 3rd sg) -> spanish forms for PERSONS
VERBS = {
    "see": (("see", "sees"), ("veo", "ves", "ve", "vemos", "ven")),
    "have": (("have", "has"), ("tengo", "tienes", "tiene", "tenemos", "tienen")),
    "want": (("want", "wants"), ("quiero", "quieres", "quiere", "queremos", "quieren")),
    "buy": (("buy", "buys"), ("compro", "compras", "compra", "compramos", "compran")),
    "find": (("find", "finds"), ("encuentro", "encuentras", "encuentra", "encontramos", "encuentran")),
    "need": (("need", "needs"), ("necesito", "necesitas", "necesita", "necesitamos", "necesitan")),
    "carry": (("carry", "carries"), ("llevo", "llevas", "lleva", "llevamos", "llevan")),
    "wash": (("wash", "washes"), ("lavo", "lavas", "lava", "lavamos", "lavan")),
    "paint": (("paint", "paints"), ("pinto", "pintas", "pinta", "pintamos", "pintan")),
    "sell": (("sell", "sells"), ("vendo", "vendes", "vende", "vendemos", "venden")),
    "open": (("open", "opens"), ("abro", "abres", "abre", "abrimos", "abren")),
    "break": (("break", "breaks"), ("rompo", "rompes", "rompe", "rompemos", "rompen")),
}

# subject pronoun: english -> (spanish, person)
PRONOUNS = {"i": ("yo", "1s"), "you": ("tú", "2s"), "he": ("él", "3s"),
            "she": ("ella", "3s"), "we": ("nosotros", "1p"), "they": ("ellos", "3p")}

# optional sentence ending: english -> spanish
TAILS = {
    "in the park": "en el parque", "in the garden": "en el jardín",
    "in the city": "en la ciudad", "at school": "en la escuela",
    "in the kitchen": "en la cocina", "in the street": "en la calle",
    "at home": "en casa", "today": "hoy", "now": "ahora",
    "every day": "todos los días",
}

_TOKEN_RE = re.compile(r"[\w]+(?:'[\w]+)?|[^\w\s]")


def tokenize(text: str) -> list[str]:
    """The project's word-level tokenization (lower-case, punctuation split)."""
    return _TOKEN_RE.findall(text.lower())


# --- structured sentences ------------------------------------------------------

@dataclass(frozen=True)
class NounPhrase:
    """det + optional adjective + noun; ``det`` is a key of DETERMINERS."""
    noun: str
    det: str = "the"
    adj: Optional[str] = None
    plural: bool = False

    def english(self) -> str:
        det = DETERMINERS[self.det][0][self.plural]
        noun = NOUNS[self.noun][1 if self.plural else 0]
        words = [det] + ([self.adj] if self.adj else []) + [noun]
        if det == "a" and words[1][0] in "aeiou":
            words[0] = "an"
        return " ".join(words)

    def spanish(self) -> str:
        _, _, sg, pl, gender = NOUNS[self.noun]
        idx = (gender == "f") + 2 * self.plural     # m sg, f sg, m pl, f pl
        words = [DETERMINERS[self.det][1][idx], pl if self.plural else sg]
        if self.adj:                                # adjective after the noun
            words.append(ADJECTIVES[self.adj][idx])
        return " ".join(words)


@dataclass(frozen=True)
class Sentence:
    """subject (pronoun string or NounPhrase) + verb + object (+ tail)."""
    subject: "str | NounPhrase"
    verb: str
    obj: NounPhrase
    negated: bool = False
    tail: Optional[str] = None

    def _person(self) -> str:
        if isinstance(self.subject, str):
            return PRONOUNS[self.subject][1]
        return "3p" if self.subject.plural else "3s"

    def english(self) -> str:
        person = self._person()
        subj = self.subject if isinstance(self.subject, str) else self.subject.english()
        base, third = VERBS[self.verb][0]
        if self.negated:
            verb = ("does not " if person == "3s" else "do not ") + base
        else:
            verb = third if person == "3s" else base
        words = [subj, verb, self.obj.english()] + ([self.tail] if self.tail else [])
        return " ".join(words) + "."

    def spanish(self) -> str:
        subj = (PRONOUNS[self.subject][0] if isinstance(self.subject, str)
                else self.subject.spanish())
        verb = VERBS[self.verb][1][PERSONS.index(self._person())]
        words = [subj] + (["no"] if self.negated else []) + [verb, self.obj.spanish()]
        words += [TAILS[self.tail]] if self.tail else []
        return " ".join(words) + "."

    def combinations(self) -> set[tuple]:
        """('na', noun, adj) per adjective-bearing NP and ('svo', s, v, o)."""
        subj_key = self.subject if isinstance(self.subject, str) else self.subject.noun
        out = {("svo", subj_key, self.verb, self.obj.noun)}
        for np in (self.subject, self.obj):
            if isinstance(np, NounPhrase) and np.adj:
                out.add(("na", np.noun, np.adj))
        return out


# --- held-out combinations -------------------------------------------------------

@lru_cache(maxsize=1)
def _heldout_sets() -> tuple[frozenset, frozenset]:
    """Reserve ~12% of (noun, adj) pairs and ~8% of (subj, verb, obj) triples.

    Fixed string seed => the same reservation on every machine and run.
    """
    rng = random.Random("attention-lab/translation/heldout")
    na = [("na", n, a) for n in sorted(NOUNS) for a in sorted(ADJECTIVES)]
    subjects = sorted(PRONOUNS) + sorted(n[0] for n in ANIMATE)
    svo = [("svo", s, v, o) for s, v, o in itertools.product(
        subjects, sorted(VERBS), sorted(n[0] for n in INANIMATE))]
    return (frozenset(rng.sample(na, len(na) * 12 // 100)),
            frozenset(rng.sample(svo, len(svo) * 8 // 100)))


HELDOUT_NOUN_ADJ, HELDOUT_SVO = _heldout_sets()
HELDOUT_COMBINATIONS = HELDOUT_NOUN_ADJ | HELDOUT_SVO


def _random_np(rng: random.Random, nouns: list, noun: Optional[str] = None,
               adj: Optional[str] = None, p_adj: float = 0.5) -> NounPhrase:
    if adj is None and rng.random() < p_adj:
        adj = rng.choice(sorted(ADJECTIVES))
    return NounPhrase(noun=noun or rng.choice(nouns)[0], adj=adj,
                      det=rng.choice(["the", "the", "a", "this", "my"]),
                      plural=rng.random() < 0.4)


def _random_sentence(rng: random.Random, force: Optional[tuple] = None) -> Sentence:
    """Sample a sentence; ``force`` is a combination that must appear in it."""
    subj_noun = verb = obj_noun = subj_adj = obj_adj = None
    pronoun = None
    if force and force[0] == "svo":
        _, s, verb, obj_noun = force
        pronoun, subj_noun = (s, None) if s in PRONOUNS else (None, s)
    elif force:
        _, noun, adj = force
        if noun in ANIMATE_NOUNS:
            subj_noun, subj_adj = noun, adj
        else:
            obj_noun, obj_adj = noun, adj
    if pronoun is None and subj_noun is None and rng.random() < 0.4:
        pronoun = rng.choice(sorted(PRONOUNS))
    subject = pronoun if pronoun else _random_np(
        rng, ANIMATE, subj_noun, subj_adj, p_adj=0.3 if subj_adj is None else 1)
    tail = rng.choice(sorted(TAILS)) if rng.random() < 0.35 else None
    return Sentence(subject=subject, verb=verb or rng.choice(sorted(VERBS)),
                    obj=_random_np(rng, INANIMATE, obj_noun, obj_adj, p_adj=0.6),
                    negated=rng.random() < 0.15, tail=tail)


def generate_sentences(n: int, seed: int, split: Split = "train") -> list[Sentence]:
    """Structured sentences; ``generate_pairs`` renders these."""
    if split not in ("train", "heldout"):
        raise ValueError(f"split must be 'train' or 'heldout', got {split!r}")
    rng = random.Random(f"attention-lab/translation/{split}/{seed}")
    forced = sorted(HELDOUT_COMBINATIONS)
    out: list[Sentence] = []
    while len(out) < n:
        if split == "train":    # rejection: drop anything touching held-out
            s = _random_sentence(rng)
            if s.combinations() & HELDOUT_COMBINATIONS:
                continue
        else:                   # plant one held-out combination
            s = _random_sentence(rng, force=rng.choice(forced))
        out.append(s)
    return out


def generate_pairs(n: int, seed: int, split: Split = "train") -> list[tuple[str, str]]:
    """``n`` (english, spanish) pairs, deterministic in (seed, split)."""
    return [(s.english(), s.spanish()) for s in generate_sentences(n, seed, split)]


# --- parsing & vocabularies --------------------------------------------------------

def combinations(english: str) -> set[tuple]:
    """Recover the combinations of an English sentence of this grammar.

    Independent of the generator (used to check train/held-out separation on
    plain text): the verb is the first verb form, the subject precedes it, the
    object is the first noun after it, and an adjective pairs with the next noun.
    """
    t = tokenize(english)
    forms = {f: lemma for lemma, (fs, _) in VERBS.items() for f in fs}
    nouns = {f: n[0] for n in NOUNS.values() for f in n[:2]}
    vi = next(i for i, w in enumerate(t) if w in forms)
    subj = t[0] if t[0] in PRONOUNS else next(nouns[w] for w in t[:vi] if w in nouns)
    obj = next(nouns[w] for w in t[vi + 1:] if w in nouns)
    out = {("svo", subj, forms[t[vi]], obj)}
    out |= {("na", nouns[b], a) for a, b in zip(t, t[1:]) if a in ADJECTIVES and b in nouns}
    return out


def _vocab(texts) -> list[str]:
    return sorted({tok for text in texts for tok in tokenize(text)} | {"."})


@lru_cache(maxsize=1)
def _english_vocab() -> tuple[str, ...]:
    texts = [w for n in NOUNS.values() for w in n[:2]] + list(ADJECTIVES)
    texts += [w for (sg, pl), _ in DETERMINERS.values() for w in (sg, pl)] + ["an"]
    texts += [w for fs, _ in VERBS.values() for w in fs] + ["do not does"]
    texts += list(PRONOUNS) + list(TAILS)
    return tuple(_vocab(texts))


@lru_cache(maxsize=1)
def _spanish_vocab() -> tuple[str, ...]:
    texts = [w for n in NOUNS.values() for w in n[2:4]]
    texts += [w for forms in ADJECTIVES.values() for w in forms]
    texts += [w for _, forms in DETERMINERS.values() for w in forms]
    texts += [w for _, forms in VERBS.values() for w in forms] + ["no"]
    texts += [es for es, _ in PRONOUNS.values()] + list(TAILS.values())
    return tuple(_vocab(texts))


def english_vocabulary() -> list[str]:
    """Every token English sides can produce (sorted, lower-case, with '.')."""
    return list(_english_vocab())


def spanish_vocabulary() -> list[str]:
    """Every token Spanish sides can produce (sorted, lower-case, with '.')."""
    return list(_spanish_vocab())
