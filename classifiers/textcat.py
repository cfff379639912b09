"""Owner of spaCy: build, train, save, load and apply one text classifier per target.

Each target is a blank Spanish spaCy pipeline whose one component, `peticiones_textcat`, sets `doc.cats` to
calibrated probabilities. The component reads the spaCy tokens of the text as classifiers/prepare.py leaves it
(the letter's frame of date, salutation, closing and signature cut out, OCR junk dropped; in training and in
use alike), lower case without accents, and hands the words to classifiers/learner.py (scikit-learn): hashed
word 1-2-gram and character 2-5-gram TF-IDF features plus catalogue matches (classifiers/features.py), and, per
label, its word block scaled by naive-Bayes log-count ratios, scored by a class-weighted ridge. The ridge decides
the top label and its calibrated score; the order of the other labels also listens to a logistic regression on
the same features, which ranks the runners-up better. The calibration, and the abstain threshold, are fitted on
OCR-damaged copies of the training texts too (classifiers/learner/damage.py): recognition damage lowers the top
probability more than the chance of being right, and a gate fitted on clean texts only abstained on OCR text. A text with fewer than MIN_CONTENT content
words the model knows ("Hola, muchas gracias") gets no suggestion and scores leaning to the label shares: its
scores would mostly be the biases, which calibration (fitted on real petitions, all longer) would call confident.

Why not spaCy's own `textcat`: measured by bench/classify on 800 real citizen requests, TextCatBOW trained by
backpropagation took minutes and scored below a TF-IDF + LinearSVC baseline, while this component trains in
seconds, uses the label names, and comes with honest, held-out-calibrated probabilities.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import spacy
from threadpoolctl import threadpool_limits
from spacy.lang.es.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc

from classifiers import learner
from classifiers.features import LabelMatcher, normalise
from classifiers.ocrnoise import damaged_copies
from classifiers.prepare import prepare
from classifiers.errors import ModelMissing

COMPONENT = "peticiones_textcat"
# doc.user_data key: how many of the text's word n-grams the model saw in training; 0 also when the text is too
# thin to suggest from (fewer than MIN_CONTENT known content words): the Classifier then suggests nothing.
EVIDENCE = "peticiones_known_words"
# Texts a model calibrates on OCR-damaged copies of (a sample beyond): calibration needs hundreds, not a year's.
DAMAGED_TEXTS = 1000
MIN_CONTENT = 2  # "Hola, gracias" (one known word) is thin; "Necesito agua", a two-word phone note, is not
# Version of classifiers/prepare.py's reading (letter frame and OCR junk dropped) a model was trained with; a model
# saved before it (0) reads the raw text, as it was trained to.
PREPARATION = 1
PREPARED = "peticiones_prepared"  # doc.user_data key: the doc was made from the prepared text (predict() does so)
FORMAT = "sklearn-1"  # cfg.json "format": the learner that saved the arrays (none: the hand-written one)
_STOP = frozenset(normalise(w) for w in STOP_WORDS)


class LinearTextClassifier:
    """A spaCy component: hashed TF-IDF n-grams and label matches → ridge scores → softmax with a fitted
    temperature → calibrated top probability; alternatives ordered with a logistic regression (learner.py)."""

    def __init__(self, nlp: Language, name: str = COMPONENT):
        self.name = name
        self.tokenizer = nlp.tokenizer
        self.preparation = PREPARATION
        self.labels: list[str] = []
        self.features = learner.Features()
        self.matcher = LabelMatcher()
        self.weights = np.zeros((self.features.width, 0), dtype=np.float32)  # the last row: the bias
        self.beta = 0.0
        self.temperature = 1.0
        self.calibration: tuple[list, list] = ([], [])
        self.prior: list[float] = []  # label shares in the training texts
        self.ratios = np.zeros((0, self.features.words_width), dtype=np.float32)  # labels × word buckets
        self.ratio_weights = np.zeros((self.features.words_width, 0), dtype=np.float32)
        self.logistic_weights = np.zeros((self.features.width, 0), dtype=np.float32)  # empty: no reordering
        self.logistic_bias = np.zeros(0, dtype=np.float32)
        self.vocabulary: frozenset[str] = frozenset()  # word_key of each content word in two training texts or more
        self.min_content = 0  # MIN_CONTENT, or fewer when the training texts themselves are that short; 0: off
        self.damage_map: list[float] = []  # what the top-probability map reads (learner/damage.py); empty: the top

    def __call__(self, doc: Doc) -> Doc:
        return self.score([doc])[0]

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        """Documents scored a batch at a time: one sparse product per batch instead of one per text."""
        batch: list[Doc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self.score(batch)
                batch = []
        if batch:
            yield from self.score(batch)

    def score(self, docs: Sequence[Doc]) -> Sequence[Doc]:
        """Set doc.cats and the evidence count (doc.user_data[EVIDENCE]) of each document."""
        if not self.labels or not docs:
            return docs
        token_lists = [self.words(doc) for doc in docs]
        rows, word_block, known = self.features.transform(token_lists)
        match = np.stack([self.matcher.scores(words, self.labels) for words in token_lists]).astype(np.float64)
        scores = rows @ self.weights.astype(np.float64) + self.beta * match
        if len(self.ratios):
            scores += learner.ratio_scores(word_block, self.ratios, self.ratio_weights)
        raw = learner.softmax(scores, self.temperature)
        keys = [content_keys(words) for words in token_lists]
        damage = np.array([learner.unknown_share(k, self.vocabulary) for k in keys])
        read = learner.damage_confidence(raw, damage, self.damage_map)
        probabilities = learner.calibrate_top(raw, *self.calibration, read=read)
        if self.logistic_weights.shape[1] == len(self.labels):
            other = learner.softmax(rows @ self.logistic_weights.astype(np.float64) + self.logistic_bias)
            probabilities = learner.reorder_alternatives(probabilities, raw, other)
        for doc, text_keys, seen, row in zip(docs, keys, known, probabilities):
            doc.user_data[EVIDENCE] = int(seen)
            if self.prior and not seen:
                # No word the model has ever seen (empty OCR text, another language): its scores would be only the
                # biases, which calibration would turn into a confident guess; the label shares say "no idea".
                doc.cats = dict(zip(self.labels, self.prior))
                continue
            share = self._evidence_share(text_keys)
            if share < 1.0:
                # "Hola, muchas gracias": one word the model knows is too little to suggest from, whatever the
                # scores say (calibration never saw a text that thin); the scores lean towards the label shares.
                row = share * row + (1 - share) * np.asarray(self.prior)
                doc.user_data[EVIDENCE] = 0
            doc.cats = {label: float(p) for label, p in zip(self.labels, row)}
        return docs

    def words(self, doc: Doc) -> list[str]:
        """The words the model reads of a document: those of its prepared text (frame and OCR junk dropped)."""
        if not self.preparation or doc.user_data.get(PREPARED):
            return words_of(doc)
        return words_of(self.tokenizer(prepare(doc.text)))

    def _evidence_share(self, keys: set[str]) -> float:
        """Known content words (`keys`: content_keys) over MIN_CONTENT, at most 1."""
        if not self.min_content or not self.prior:
            return 1.0
        return min(1.0, len(keys & self.vocabulary) / self.min_content)

    def to_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> None:
        """Settings in cfg.json, arrays in .npy files (float16 where half the size costs nothing measurable):
        plain data, no pickled code."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        settings = {"format": FORMAT, "labels": self.labels, "beta": self.beta, "temperature": self.temperature,
                    "calibration": [list(self.calibration[0]), list(self.calibration[1])], "prior": self.prior,
                    "matcher": self.matcher.to_json(), "min_content": self.min_content,
                    "preparation": self.preparation, "damage_map": self.damage_map}
        (path / "cfg.json").write_text(json.dumps(settings, ensure_ascii=False), encoding="utf-8")
        (path / "vocabulary.json").write_text(json.dumps(sorted(self.vocabulary), ensure_ascii=False), encoding="utf-8")
        word_idf, char_idf = self.features.idf
        arrays = {"weights": self.weights.astype(np.float16), "word_idf": word_idf.astype(np.float32),
                  "char_idf": char_idf.astype(np.float32), "ratios": self.ratios.astype(np.float16),
                  "ratio_weights": self.ratio_weights.astype(np.float16),
                  "logistic_weights": self.logistic_weights.astype(np.float16),
                  "logistic_bias": self.logistic_bias.astype(np.float32)}
        for name, array in arrays.items():
            np.save(path / f"{name}.npy", array)

    def from_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> "LinearTextClassifier":
        path = Path(path)
        settings = json.loads((path / "cfg.json").read_text(encoding="utf-8"))
        if settings.get("format") != FORMAT:
            # Saved by the hand-written learner before scikit-learn (other hashing): its weights mean nothing here,
            # and a model that must be retrained is, for classifying, a missing one.
            raise ModelMissing(f"{path}: modelo del aprendiz anterior, vuelva a entrenarlo (peticiones train)")
        self.labels = settings["labels"]
        self.beta, self.temperature = float(settings["beta"]), float(settings["temperature"])
        self.matcher = LabelMatcher.from_json(settings["matcher"])
        self.calibration = (settings["calibration"][0], settings["calibration"][1])
        self.prior = settings["prior"]
        self.min_content = int(settings["min_content"])
        self.preparation = int(settings.get("preparation", 0))  # 0: trained on the raw text
        self.damage_map = [float(v) for v in settings.get("damage_map", [])]  # none before OCR-damaged calibration
        self.vocabulary = frozenset(json.loads((path / "vocabulary.json").read_text(encoding="utf-8")))
        load = lambda name: np.load(path / f"{name}.npy", allow_pickle=False)  # noqa: E731
        self.features = learner.Features(load("word_idf"), load("char_idf"))
        self.weights = load("weights").astype(np.float32)
        self.ratios, self.ratio_weights = load("ratios").astype(np.float32), load("ratio_weights").astype(np.float32)
        self.logistic_weights = load("logistic_weights").astype(np.float32)
        self.logistic_bias = load("logistic_bias").astype(np.float32)
        return self


@Language.factory(COMPONENT)
def make_component(nlp: Language, name: str) -> LinearTextClassifier:
    """The factory spaCy calls for `peticiones_textcat`; pyproject.toml names it as an entry point
    (spacy_factories), so that spacy.load() finds it in a process that never imported this module."""
    return LinearTextClassifier(nlp, name)


def content_words(words: Iterable[str]) -> set[str]:
    """The words that can say what a petition is about: alphabetic, three letters or more, not stop words."""
    return {w for w in words if len(w) > 2 and w.isalpha() and w not in _STOP}


def content_keys(words: Iterable[str]) -> set[str]:
    """The keys (word_key) of a text's content words: what the model's vocabulary is made of."""
    return {word_key(w) for w in content_words(words)}


def word_key(word: str) -> str:
    """A word as the model keeps it in its vocabulary: a digest, so that a model trained on real petitions does not
    carry their words (names, streets) in plain text."""
    return hashlib.blake2b(word.encode("utf-8"), digest_size=8).hexdigest()


def words_of(doc: Doc) -> list[str]:
    """Normalised word tokens (punctuation and spaces dropped)."""
    return [_normal_word(t.text) for t in doc if not (t.is_punct or t.is_space)]


@lru_cache(maxsize=1 << 17)  # a fifth of classification time went to normalising the same words again
def _normal_word(word: str) -> str:
    return normalise(word)


def blank() -> Language:
    """An empty Spanish pipeline (tokenizer only): the classifier adds its component, extraction its entity ruler."""
    return spacy.blank("es")


def train(texts: Sequence[str], labels: Sequence[str], *, descriptions: Mapping[str, Iterable[str]] | None = None,
          synonyms: Mapping[str, Iterable[str]] | None = None, seed: int = 0, min_precision: float = 0.8,
          progress: Callable[[int, int], None] | None = None) -> tuple[Language, dict]:
    """Fit one pipeline on all `texts`; internal grouped folds choose its settings, calibrate it and give the
    out-of-fold probabilities (returned in info["oof"]) from which its metrics and abstain threshold come."""
    nlp = blank()
    component: LinearTextClassifier = nlp.add_pipe(COMPONENT)
    # A tokenizer of its own: the pipeline's would keep every word of the training texts (petitioners' names, CURPs)
    # in plain text in the saved vocabulary's strings.
    reader = blank().tokenizer
    token_lists = [words_of(doc) for doc in reader.pipe((prepare(t) for t in texts), batch_size=256)]
    label_set = sorted(set(labels))
    y = np.array([label_set.index(label) for label in labels])
    component.labels = label_set
    component.matcher = LabelMatcher.build(label_set, dict(descriptions or {}), dict(synonyms or {}), STOP_WORDS,
                                           lambda s: words_of(reader(s)))
    contents = [content_keys(words) for words in token_lists]
    component.vocabulary = learner.vocabulary(contents, range(len(contents)))
    known = [len(keys & component.vocabulary) for keys in contents]
    component.min_content = int(min(MIN_CONTENT, np.percentile(known, 1)))
    rows, word_block, _ = component.features.fit_transform(token_lists)
    match = np.stack([component.matcher.scores(words, label_set) for words in token_lists]).astype(np.float64)
    groups = [" ".join(words) for words in token_lists]  # identical texts stay on one side of every fold
    damaged = _damaged(component, texts, contents, seed, reader)
    # One BLAS/OpenMP thread: scipy's L-BFGS-B (C since scipy 1.15) makes many small BLAS calls, and on OpenBLAS's
    # threads training ran 2-5 times slower, at more CPU, on 2 cores (where the workers need the other one).
    with threadpool_limits(limits=1):
        fitted = learner.fit(rows, word_block, y, len(label_set), match, groups, damaged=damaged, seed=seed,
                             progress=progress)
    component.damage_map = fitted.damage_map
    component.weights, component.beta, component.temperature = fitted.weights, fitted.beta, fitted.temperature
    component.calibration = fitted.calibration
    component.ratios, component.ratio_weights = fitted.ratios, fitted.ratio_weights
    component.logistic_weights, component.logistic_bias = fitted.logistic_weights, fitted.logistic_bias
    component.prior = [labels.count(label) / len(labels) for label in label_set]
    oof = [{label: float(p) for label, p in zip(label_set, row)} for row in fitted.oof_probabilities]
    # Rounded down, so that a stored threshold never rises above the scores it was chosen to admit.
    # On clean texts and their damaged copies together: the precision asked for holds on what OCR leaves too.
    pooled, truth = fitted.oof_probabilities, y
    if len(fitted.oof_damaged):
        pooled, truth = np.vstack([pooled, fitted.oof_damaged]), np.concatenate([y, y[damaged.of]])
    threshold = math.floor(learner.abstain_threshold(pooled, truth, min_precision) * 1e4) / 1e4
    info = {"labels": label_set, "lambda": fitted.lam, "beta": fitted.beta,
            "temperature": round(fitted.temperature, 4), "ratio_features": bool(len(fitted.ratios)),
            "abstain_below": threshold, "abstain_min_precision": min_precision, "grid_macro_f1": fitted.grid,
            "oof": oof}
    return nlp, info


def _damaged(component: "LinearTextClassifier", texts: Sequence[str], contents: list[set[str]],
             seed: int, reader) -> learner.Damaged:
    """OCR-damaged copies of the training texts (classifiers/ocrnoise.py), of at most DAMAGED_TEXTS of them, read
    the way the component reads a text, for the learner to calibrate on."""
    of = np.arange(len(texts))
    if len(texts) > DAMAGED_TEXTS:
        of = np.sort(np.random.default_rng(seed).choice(len(texts), DAMAGED_TEXTS, replace=False))
    damaged = damaged_copies([texts[i] for i in of], seed)
    copies = [words_of(doc) for doc in reader.pipe((prepare(t) for t in damaged), batch_size=256)]
    match = np.stack([component.matcher.scores(words, component.labels) for words in copies]).astype(np.float64)
    return learner.Damaged(of, copies, match, component.features, contents, content_keys)


def predict(nlp: Language, texts: Sequence[str]) -> list[tuple[dict[str, float], int]]:
    """Label probabilities for each text, and how many of its word n-grams the model saw in training
    (0: the probabilities are only the label shares, a suggestion would be a guess)."""
    component = nlp.get_pipe(COMPONENT) if COMPONENT in nlp.pipe_names else None
    if component is None or not component.preparation or len(nlp.pipe_names) > 1:
        return [(dict(doc.cats), doc.user_data.get(EVIDENCE, 1)) for doc in nlp.pipe(texts, batch_size=64)]
    out = []
    # The prepared text tokenised once: nlp.pipe would tokenise the raw text only for the component to do it again.
    docs = (_prepared(doc) for doc in nlp.tokenizer.pipe((prepare(t) for t in texts), batch_size=64))
    for doc in component.pipe(docs, batch_size=256):
        out.append((dict(doc.cats), doc.user_data.get(EVIDENCE, 1)))
    return out


def _prepared(doc: Doc) -> Doc:
    doc.user_data[PREPARED] = True
    return doc


def save(nlp: Language, folder: Path) -> None:
    nlp.to_disk(folder)


def load(folder: Path) -> Language:
    return spacy.load(folder)
