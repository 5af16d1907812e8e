"""Make the small sample datasets bundled in resources/datasets/.

The real datasets (../shared/datasets) are not on a user's machine, so the project ships its
own: digits rendered from Pillow's bundled font with random shifts, rotations, shears, stroke
widths and noise (IMAGE_FILES), and English sentences generated from a small grammar and a
UPOS-tagged lexicon (CORPUS), quote characters included. Everything is drawn from one seeded
generator and written with fixed zip timestamps, so a rerun on the same numpy/Pillow gives the
same bytes.

Run: python scripts/make_sample_datasets.py [OUT_DIR]   (default resources/datasets)
"""

from __future__ import annotations

import argparse
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

SEED = 20240611
IMAGE_SIZE = 16
IMAGE_TRAIN_COUNT = 600
IMAGE_TEST_COUNT = 200
SENTENCE_TRAIN_COUNT = 400
SENTENCE_TEST_COUNT = 120
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "resources" / "datasets"

#: UPOS tags with the indices of ../shared/datasets/pos_ud_ewt_meta.tsv, so a tagger trained
#: on the sample speaks the same tag numbers as one trained on the treebank
UPOS = ["ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON",
        "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X"]
TAG = {name: index for index, name in enumerate(UPOS)}

Rng = np.random.Generator
Sentence = list[tuple[str, str]]


# -- images ------------------------------------------------------------------------------------

def _font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's own bundled font (no system fonts, so every machine draws the same glyphs)."""
    try:
        return ImageFont.load_default(size=size)
    except TypeError as error:  # Pillow < 10.1 has no sized default font
        raise SystemExit(f"make_sample_datasets: Pillow >= 10.1 is needed ({error})") from None


def render_digit(digit: int, rng: Rng) -> np.ndarray:
    """One IMAGE_SIZE x IMAGE_SIZE grayscale digit (bright ink on dark), randomly deformed."""
    canvas_size = 64
    canvas = Image.new("L", (canvas_size, canvas_size), 0)
    draw = ImageDraw.Draw(canvas)
    font = _font(int(rng.integers(50, 62)))
    ink = int(rng.integers(190, 256))
    stroke = int(rng.integers(0, 3))
    left, top, right, bottom = draw.textbbox((0, 0), str(digit), font=font, stroke_width=stroke)
    x = (canvas_size - (right - left)) / 2 - left + rng.uniform(-4, 4)
    y = (canvas_size - (bottom - top)) / 2 - top + rng.uniform(-4, 4)
    draw.text((x, y), str(digit), fill=ink, font=font, stroke_width=stroke, stroke_fill=ink)
    shear = rng.uniform(-0.3, 0.3)
    center = canvas_size / 2
    canvas = canvas.transform(canvas.size, Image.Transform.AFFINE,
                              (1, shear, -shear * center, 0, 1, 0),
                              resample=Image.Resampling.BILINEAR)
    canvas = canvas.rotate(rng.uniform(-15, 15), resample=Image.Resampling.BILINEAR)
    small = canvas.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BOX)
    pixels = np.asarray(small, dtype=np.float64) + rng.normal(0, 12, (IMAGE_SIZE, IMAGE_SIZE))
    return np.clip(np.rint(pixels), 0, 255).astype(np.uint8)


def png_bytes(image: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(image, mode="L").save(out, format="PNG", optimize=True)
    return out.getvalue()


def digit_samples(count: int, rng: Rng) -> list[tuple[np.ndarray, int]]:
    """``count`` digits, classes balanced and shuffled."""
    classes = rng.permutation(np.arange(count) % 10)
    return [(render_digit(int(digit), rng), int(digit)) for digit in classes]


def write_image_zip(path: Path, samples: list[tuple[np.ndarray, int]]) -> None:
    """An IMAGE_FILES zip: ``images.csv`` (``path,class``) and one PNG per sample."""
    rows = ["path,class"]
    members = []
    for index, (image, digit) in enumerate(samples):
        name = f"images/{index:04d}-{digit}.png"
        rows.append(f"{name},{digit}")
        members.append((name, png_bytes(image)))
    _write_zip(path, [("images.csv", ("\n".join(rows) + "\n").encode())] + members)


# -- corpus ------------------------------------------------------------------------------------

LEXICON: dict[str, list[str]] = {
    "DET": ["the", "a", "this", "that", "every", "no", "some"],
    "ADJ": ["small", "old", "red", "quiet", "busy", "new", "happy", "long", "cheap", "early"],
    "NOUN": ["dog", "teacher", "car", "city", "book", "garden", "report", "meeting", "window",
             "river", "student", "price", "letter", "morning", "team"],
    "NOUNS": ["dogs", "teachers", "cars", "books", "reports", "students", "prices", "letters"],
    "PROPN": ["Anna", "Tokyo", "Google", "Mr.", "Smith", "O'Brien", "Paris", "Monday", "Lee",
              "D'Angelo"],
    "PRON": ["she", "he", "they", "we", "it", "I", "you"],
    "VERB": ["saw", "found", "read", "wrote", "liked", "opened", "closed", "moved", "sold",
             "painted", "visited", "checked"],
    "VERB_ING": ["reading", "walking", "waiting", "working", "singing", "running"],
    "VERB_BASE": ["see", "find", "read", "write", "open", "book", "visit", "check", "sell"],
    "VERB_SAY": ["said", "wrote", "asked", "shouted"],
    "AUX": ["is", "was", "will", "can", "did", "has"],
    "ADP": ["in", "on", "near", "with", "from", "under", "after", "for"],
    "ADV": ["quickly", "often", "never", "really", "slowly", "soon", "yesterday", "here"],
    "CCONJ": ["and", "but", "or"],
    "SCONJ": ["because", "while", "although", "if"],
    "NUM": ["two", "three", "ten", "42", "1,200", "7", "2019", "'90s"],
    "INTJ": ["Oh", "Well", "Hey", "Yes"],
    "X": ["etc.", "i.e."],
}


def _pick(rng: Rng, words: list[str]) -> str:
    return words[int(rng.integers(len(words)))]


def _word(rng: Rng, kind: str, tag: str | None = None) -> tuple[str, str]:
    return _pick(rng, LEXICON[kind]), tag or kind


def noun_phrase(rng: Rng) -> Sentence:
    roll = rng.random()
    if roll < 0.2:
        return [_word(rng, "PRON")]
    if roll < 0.35:
        return [_word(rng, "PROPN")]
    if roll < 0.45:
        return [_word(rng, "PROPN"), ("'s", "PART"), _word(rng, "NOUN")]
    if roll < 0.55:
        return [_word(rng, "NUM"), _word(rng, "NOUNS", "NOUN")]
    phrase = [_word(rng, "DET")]
    if rng.random() < 0.5:
        if rng.random() < 0.25:
            phrase.append(("very", "ADV"))
        phrase.append(_word(rng, "ADJ"))
    phrase.append(_word(rng, "NOUN"))
    return phrase


def object_phrase(rng: Rng) -> Sentence:
    phrase = noun_phrase(rng)
    if phrase == [("I", "PRON")]:
        return [("me", "PRON")]
    if phrase[0][1] == "PRON":
        return [({"she": "her", "he": "him", "they": "them", "we": "us"}.get(
            phrase[0][0], phrase[0][0]), "PRON")]
    return phrase


def verb_phrase(rng: Rng) -> Sentence:
    roll = rng.random()
    if roll < 0.35:
        phrase = [_word(rng, "VERB")] + object_phrase(rng)
    elif roll < 0.5:
        phrase = [_word(rng, "AUX")] + [_word(rng, "VERB_ING", "VERB")]
    elif roll < 0.62:
        phrase = [("did", "AUX"), ("n't", "PART"), _word(rng, "VERB_BASE", "VERB")]
        phrase += object_phrase(rng)
    elif roll < 0.74:
        phrase = [("wanted", "VERB"), ("to", "PART"), _word(rng, "VERB_BASE", "VERB")]
        phrase += object_phrase(rng)
    elif roll < 0.86:
        phrase = [_word(rng, "AUX")] + [_word(rng, "ADJ")]
    elif roll < 0.93:
        phrase = [("paid", "VERB"), ("$", "SYM"), _word(rng, "NUM"), ("for", "ADP")]
        phrase += object_phrase(rng)
    else:
        # words whose tag depends on their neighbours: "like", "back", "that"
        phrase = [("like", "VERB")] + object_phrase(rng) if rng.random() < 0.5 else \
            [_word(rng, "VERB"), ("that", "DET"), _word(rng, "NOUN"), ("back", "ADV")]
    if rng.random() < 0.1:
        phrase += [("like", "ADP")] + object_phrase(rng)
    if rng.random() < 0.35:
        phrase += [_word(rng, "ADP")] + object_phrase(rng)
    if rng.random() < 0.2:
        phrase.append(_word(rng, "ADV"))
    return phrase


def clause(rng: Rng) -> Sentence:
    return noun_phrase(rng) + verb_phrase(rng)


def sentence(rng: Rng) -> Sentence:
    """One tagged sentence: a clause, maybe joined, quoted, introduced or listed."""
    roll = rng.random()
    if roll < 0.15:
        quoted = clause(rng)
        quoted[0] = (quoted[0][0][:1].upper() + quoted[0][0][1:], quoted[0][1])
        words = (noun_phrase(rng) + [_word(rng, "VERB_SAY", "VERB"), (",", "PUNCT"),
                                     ('"', "PUNCT")] + quoted + [(".", "PUNCT"), ('"', "PUNCT")])
        return _capitalized(words)
    if roll < 0.3:
        words = clause(rng) + [(",", "PUNCT"), _word(rng, "CCONJ")] + clause(rng)
    elif roll < 0.42:
        words = [_word(rng, "SCONJ")] + clause(rng) + [(",", "PUNCT")] + clause(rng)
    elif roll < 0.5:
        words = [_word(rng, "INTJ"), (",", "PUNCT")] + clause(rng)
    elif roll < 0.56:
        words = (clause(rng) + [(",", "PUNCT")] + noun_phrase(rng) + [(",", "PUNCT"),
                 _word(rng, "X")])
    elif roll < 0.62:
        words = noun_phrase(rng) + [("called", "VERB"), ("it", "PRON"), ("'", "PUNCT"),
                                    _word(rng, "ADJ"), ("'", "PUNCT")]
    elif roll < 0.7:
        words = noun_phrase(rng) + [_word(rng, "VERB_SAY", "VERB"), ("that", "SCONJ")]
        words += clause(rng)
    elif roll < 0.74:
        words = [("that", "PRON"), _word(rng, "AUX"), _word(rng, "ADJ")]
    elif roll < 0.78:
        words = clause(rng) + [("near", "ADP"), ("the", "DET"), ("back", "NOUN")]
    else:
        words = clause(rng)
    end = "?" if rng.random() < 0.08 else "!" if rng.random() < 0.05 else "."
    return _capitalized(words + [(end, "PUNCT")])


def _capitalized(words: Sentence) -> Sentence:
    first, tag = words[0]
    return [(first[:1].upper() + first[1:], tag)] + words[1:]


def corpus_tsv(sentences: list[Sentence]) -> str:
    """``corpus.tsv`` text: header, ``token\\ttag`` rows, a ``\\n`` row after each sentence."""
    lines = ["token\ttag"]
    for words in sentences:
        lines += [f"{token}\t{TAG[tag]}" for token, tag in words]
        lines.append("\\n\t")
    return "\n".join(lines) + "\n"


def write_corpus_zip(path: Path, sentences: list[Sentence]) -> None:
    _write_zip(path, [("corpus.tsv", corpus_tsv(sentences).encode("utf-8"))])


# -- files -------------------------------------------------------------------------------------

def _write_zip(path: Path, members: list[tuple[str, bytes]]) -> None:
    """A zip with fixed timestamps and order, so the same content gives the same bytes."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")


def make_sample_datasets(out_dir: Path, seed: int = SEED) -> list[Path]:
    """Write every sample dataset into ``out_dir``; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    made: list[Path] = []

    def make(name: str, writer: Callable[[Path], None]) -> None:
        path = out_dir / name
        writer(path)
        made.append(path)

    train_images = digit_samples(IMAGE_TRAIN_COUNT, rng)
    test_images = digit_samples(IMAGE_TEST_COUNT, rng)
    make("image_train.zip", lambda p: write_image_zip(p, train_images))
    make("image_test.zip", lambda p: write_image_zip(p, test_images))
    make("image_meta.csv", lambda p: _write_text(
        p, "class,name\n" + "".join(f"{d},{d}\n" for d in range(10))))

    train_sentences = [sentence(rng) for _ in range(SENTENCE_TRAIN_COUNT)]
    test_sentences = [sentence(rng) for _ in range(SENTENCE_TEST_COUNT)]
    make("pos_train.zip", lambda p: write_corpus_zip(p, train_sentences))
    make("pos_test.zip", lambda p: write_corpus_zip(p, test_sentences))
    make("pos_meta.tsv", lambda p: _write_text(
        p, "tag\tname\n" + "".join(f"{i}\t{name}\n" for i, name in enumerate(UPOS))))
    return made


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    for path in make_sample_datasets(args.out_dir, args.seed):
        print(f"{path}  {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
