"""Owner of spaCy: build, train, save, load and apply one text classifier per target.

Each target is a blank Spanish spaCy pipeline whose one component, `peticiones_textcat`, sets `doc.cats` to
calibrated probabilities. The component reads the spaCy tokens of the text as classifiers/prepare.py leaves it
(the letter's frame of date, salutation, closing and signature cut out, OCR junk dropped; in training and in
use alike), lower case without accents, turns them into hashed word 1-2-gram and character 2-5-gram TF-IDF
features plus catalogue matches (classifiers/features.py), and, per label, its word block scaled by naive-Bayes log-count ratios (classifiers/ratios.py), and scores them
with a class-weighted ridge model fitted in closed form (classifiers/linear.py). The ridge decides the top label
and its calibrated score; the order of the other labels also listens to a logistic regression on the same
features (classifiers/logistic.py), which ranks the runners-up better. A text with fewer than MIN_CONTENT content
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
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import spacy
from spacy.lang.es.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc

from classifiers import linear, logistic, ratios
from classifiers.features import LabelMatcher, Vectoriser, normalise
from classifiers.prepare import prepare

COMPONENT = "peticiones_textcat"
# doc.user_data key: how many of the text's word n-grams the model saw in training; 0 also when the text is too
# thin to suggest from (fewer than MIN_CONTENT known content words): the Classifier then suggests nothing.
EVIDENCE = "peticiones_known_words"
MIN_CONTENT = 2  # "Hola, gracias" (one known word) is thin; "Necesito agua", a two-word phone note, is not
# Version of classifiers/prepare.py's reading (letter frame and OCR junk dropped) a model was trained with; a model
# saved before it (0) reads the raw text, as it was trained to.
PREPARATION = 1
PREPARED = "peticiones_prepared"  # doc.user_data key: the doc was made from the prepared text (predict() does so)
_STOP = frozenset(normalise(w) for w in STOP_WORDS)


class LinearTextClassifier:
    """A spaCy component: TF-IDF n-grams and label matches → ridge scores → softmax with a fitted temperature."""

    def __init__(self, nlp: Language, name: str = COMPONENT):
        self.name = name
        self.tokenizer = nlp.tokenizer
        self.preparation = PREPARATION
        self.labels: list[str] = []
        self.vectoriser = Vectoriser()
        self.matcher = LabelMatcher()
        self.weights = np.zeros((self.vectoriser.width, 0), dtype=np.float32)
        self.bias = np.zeros(0, dtype=np.float32)
        self.beta = 0.0
        self.temperature = 1.0
        self.calibration: tuple[list, list] = ([], [])
        self.prior: list[float] = []  # label shares in the training texts
        self.ratios = np.zeros((0, self.vectoriser.words_width), dtype=np.float32)  # labels × word buckets
        self.ratio_weights = np.zeros((self.vectoriser.words_width, 0), dtype=np.float32)
        self.logistic_weights = np.zeros((self.vectoriser.width, 0), dtype=np.float32)  # empty: no reordering
        self.logistic_bias = np.zeros(0, dtype=np.float32)
        self.vocabulary: frozenset[str] = frozenset()  # word_key of each content word in two training texts or more
        self.min_content = 0  # MIN_CONTENT, or fewer when the training texts themselves are that short; 0: off

    def __call__(self, doc: Doc) -> Doc:
        if not self.labels:
            return doc
        words = self.words(doc)
        index, values = self.vectoriser.transform_one(words)
        known = self.vectoriser.known_words(index)
        doc.user_data[EVIDENCE] = known
        if self.prior and not known:
            # No word the model has ever seen (empty OCR text, another language): its scores would be only the
            # biases, which calibration would turn into a confident guess; the label shares say "no idea" honestly.
            doc.cats = dict(zip(self.labels, self.prior))
            return doc
        scores = values @ self.weights[index] + self.bias + self.beta * self.matcher.scores(words, self.labels)
        if len(self.ratios):
            scores = scores + ratios.scores(index, values, self.vectoriser.words_width, self.ratios,
                                            self.ratio_weights)
        raw = linear.softmax(scores[None, :].astype(np.float64), self.temperature)
        probabilities = linear.calibrate_top(raw, *self.calibration)
        if self.logistic_weights.shape[1] == len(self.labels):
            other = logistic.probabilities((values @ self.logistic_weights[index] + self.logistic_bias)
                                           .astype(np.float64))
            probabilities = logistic.reorder_alternatives(probabilities, raw, other)
        probabilities = probabilities[0]
        share = self._evidence_share(words)
        if share < 1.0:
            # "Hola, muchas gracias": one word the model knows is too little to suggest from, whatever the scores
            # say (calibration never saw a text that thin); the scores lean towards the label shares.
            probabilities = share * probabilities + (1 - share) * np.asarray(self.prior)
            doc.user_data[EVIDENCE] = 0
        doc.cats = {label: float(p) for label, p in zip(self.labels, probabilities)}
        return doc

    def words(self, doc: Doc) -> list[str]:
        """The words the model reads of a document: those of its prepared text (frame and OCR junk dropped)."""
        if not self.preparation or doc.user_data.get(PREPARED):
            return words_of(doc)
        return words_of(self.tokenizer(prepare(doc.text)))

    def _evidence_share(self, words: Sequence[str]) -> float:
        if not self.min_content or not self.prior:
            return 1.0
        return min(1.0, len({word_key(w) for w in content_words(words)} & self.vocabulary) / self.min_content)

    def to_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        settings = {"labels": self.labels, "beta": self.beta, "temperature": self.temperature,
                    "calibration": [list(self.calibration[0]), list(self.calibration[1])], "prior": self.prior,
                    "matcher": self.matcher.to_json(), "min_content": self.min_content,
                    "preparation": self.preparation}
        (path / "cfg.json").write_text(json.dumps(settings, ensure_ascii=False), encoding="utf-8")
        (path / "vocabulary.json").write_text(json.dumps(sorted(self.vocabulary), ensure_ascii=False), encoding="utf-8")
        np.save(path / "weights.npy", self.weights.astype(np.float16))  # half the size of float32
        np.save(path / "bias.npy", self.bias)
        np.save(path / "idf.npy", self.vectoriser.idf.astype(np.float16))
        np.save(path / "ratios.npy", self.ratios.astype(np.float16))
        np.save(path / "ratio_weights.npy", self.ratio_weights.astype(np.float16))
        np.save(path / "logistic_weights.npy", self.logistic_weights.astype(np.float16))
        np.save(path / "logistic_bias.npy", self.logistic_bias)

    def from_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> "LinearTextClassifier":
        path = Path(path)
        settings = json.loads((path / "cfg.json").read_text(encoding="utf-8"))
        self.labels = settings["labels"]
        self.beta, self.temperature = float(settings["beta"]), float(settings["temperature"])
        self.matcher = LabelMatcher.from_json(settings["matcher"])
        self.calibration = (settings["calibration"][0], settings["calibration"][1])
        self.prior = settings.get("prior", [])
        self.min_content = int(settings.get("min_content", 0))  # models trained before it never damp
        self.preparation = int(settings.get("preparation", 0))
        if (path / "vocabulary.json").exists():
            self.vocabulary = frozenset(json.loads((path / "vocabulary.json").read_text(encoding="utf-8")))
        self.weights = np.load(path / "weights.npy").astype(np.float32)
        self.bias = np.load(path / "bias.npy").astype(np.float32)
        self.vectoriser.idf = np.load(path / "idf.npy").astype(np.float32)
        if (path / "ratios.npy").exists():  # models trained before the ratio features have none
            self.ratios = np.load(path / "ratios.npy").astype(np.float32)
            self.ratio_weights = np.load(path / "ratio_weights.npy").astype(np.float32)
        if (path / "logistic_weights.npy").exists():  # models trained before it order alternatives by the ridge
            self.logistic_weights = np.load(path / "logistic_weights.npy").astype(np.float32)
            self.logistic_bias = np.load(path / "logistic_bias.npy").astype(np.float32)
        return self


@Language.factory(COMPONENT)
def _make_component(nlp: Language, name: str) -> LinearTextClassifier:
    return LinearTextClassifier(nlp, name)


def content_words(words: Iterable[str]) -> set[str]:
    """The words that can say what a petition is about: alphabetic, three letters or more, not stop words."""
    return {w for w in words if len(w) > 2 and w.isalpha() and w not in _STOP}


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
    token_lists = [words_of(doc) for doc in nlp.tokenizer.pipe((prepare(t) for t in texts), batch_size=256)]
    label_set = sorted(set(labels))
    y = np.array([label_set.index(label) for label in labels])
    component.labels = label_set
    component.matcher = LabelMatcher.build(label_set, dict(descriptions or {}), dict(synonyms or {}), STOP_WORDS,
                                           lambda s: words_of(nlp.make_doc(s)))
    component.vectoriser.fit(token_lists)
    contents = [{word_key(w) for w in content_words(words)} for words in token_lists]
    seen = Counter(key for keys in contents for key in keys)
    component.vocabulary = frozenset(key for key, count in seen.items() if count >= 2)
    known = [len(keys & component.vocabulary) for keys in contents]
    component.min_content = int(min(MIN_CONTENT, np.percentile(known, 1)))
    rows = component.vectoriser.rows(token_lists)
    match = np.stack([component.matcher.scores(words, label_set) for words in token_lists]).astype(np.float64)
    groups = [" ".join(words) for words in token_lists]  # identical texts stay on one side of every fold
    words = ratios.WordMatrix(rows, component.vectoriser.words_width)

    def class_kernels(usable: np.ndarray):
        fold_ratios = words.ratios(y, usable, len(label_set))
        return lambda c: words.kernel(fold_ratios[c])

    kernel = component.vectoriser.kernel(rows)
    fitted = linear.fit(kernel, y, len(label_set), match, groups, seed=seed,
                        class_kernels=class_kernels, progress=progress)
    component.weights, component.bias = component.vectoriser.project(rows, fitted.coefficients), fitted.bias
    if fitted.per_class:
        component.ratios = words.ratios(y, np.ones(len(y), dtype=bool), len(label_set))
        component.ratio_weights = words.vectors(component.ratios, fitted.coefficients)
    component.beta, component.temperature = fitted.beta, fitted.temperature
    alpha, bias = logistic.fit(kernel, y, len(label_set))
    component.logistic_weights = component.vectoriser.project(rows, alpha)
    component.logistic_bias = bias.astype(np.float32)
    component.calibration = fitted.calibration
    component.prior = [labels.count(label) / len(labels) for label in label_set]
    oof_probabilities = _reordered_oof(fitted, kernel, y, len(label_set))
    oof = [{label: float(p) for label, p in zip(label_set, row)} for row in oof_probabilities]
    # Rounded down, so that a stored threshold never rises above the scores it was chosen to admit.
    threshold = math.floor(linear.abstain_threshold(fitted.oof_probabilities, y, min_precision) * 1e4) / 1e4
    info = {"labels": label_set, "lambda": fitted.lam, "beta": fitted.beta,
            "temperature": round(fitted.temperature, 4), "ratio_features": fitted.per_class,
            "abstain_below": threshold,
            "abstain_min_precision": min_precision, "grid_macro_f1": fitted.grid, "oof": oof}
    return nlp, info


def _reordered_oof(fitted: linear.Fitted, kernel: np.ndarray, y: np.ndarray, n_classes: int) -> np.ndarray:
    """The out-of-fold probabilities with their alternatives ordered as the model will order them: a logistic
    regression per internal fold, fitted on that fold's training part only (top label and score unchanged)."""
    probabilities = fitted.oof_probabilities
    if fitted.folds is None or fitted.oof_raw is None:
        return probabilities
    other = np.full_like(probabilities, 1.0 / n_classes)
    held_out = False
    for f in np.unique(fitted.folds):
        tr, te = fitted.folds != f, fitted.folds == f
        if not tr.any():
            continue
        alpha, bias = logistic.fit(kernel[np.ix_(tr, tr)], y[tr], n_classes)
        other[te] = logistic.probabilities(kernel[np.ix_(te, tr)] @ alpha + bias)
        held_out = True
    if not held_out:
        return probabilities
    return logistic.reorder_alternatives(probabilities, fitted.oof_raw, other)


def predict(nlp: Language, texts: Sequence[str]) -> list[tuple[dict[str, float], int]]:
    """Label probabilities for each text, and how many of its word n-grams the model saw in training
    (0: the probabilities are only the label shares, a suggestion would be a guess)."""
    component = nlp.get_pipe(COMPONENT) if COMPONENT in nlp.pipe_names else None
    if component is None or not component.preparation or len(nlp.pipe_names) > 1:
        return [(dict(doc.cats), doc.user_data.get(EVIDENCE, 1)) for doc in nlp.pipe(texts, batch_size=64)]
    out = []
    # The prepared text tokenised once: nlp.pipe would tokenise the raw text only for the component to do it again.
    for doc in nlp.tokenizer.pipe((prepare(t) for t in texts), batch_size=64):
        doc.user_data[PREPARED] = True
        doc = component(doc)
        out.append((dict(doc.cats), doc.user_data.get(EVIDENCE, 1)))
    return out


def save(nlp: Language, folder: Path) -> None:
    nlp.to_disk(folder)


def load(folder: Path) -> Language:
    return spacy.load(folder)
