#!/usr/bin/env python3
"""Fills one corpus directory per fuzz target: the hand-written seeds of tests/fuzz/seeds/<target>/
and the recorded bodies of the API specs (fenced code blocks and inline `{...}` / `<...>` samples).

usage: make-corpus.py SPECS_DIR OUT_DIR
Files are named by content hash, so running it again adds nothing twice and keeps what the fuzzer
found in OUT_DIR/<target>/ before.
"""
import hashlib
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
TARGETS = ["fuzz_scaleway", "fuzz_ovh", "fuzz_naver_response", "fuzz_naver_schedule",
           "fuzz_names", "fuzz_config", "fuzz_time"]
# Which spec feeds which target, and with which block languages ("" = unlabelled block).
SPEC_TARGETS = {
    "scaleway-api.md": {"fuzz_scaleway": {"json", ""}},
    "ovh-api.md": {"fuzz_ovh": {"json", ""}, "fuzz_config": {"ini"}},
    "naver-api.md": {"fuzz_naver_response": {"json", "xml", ""}},
}
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
INLINE = re.compile(r"`([{<][^`\n]{2,})`")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d(?:T[0-9:.]+(?:Z|[+-]\d\d:?\d\d)?)?")


def looks_like_body(text):
    stripped = text.lstrip()
    return stripped.startswith(("{", "[", "<"))


def save(out_dir, target, content):
    data = content.encode() if isinstance(content, str) else content
    if not data:
        return 0
    path = out_dir / target / hashlib.sha1(data).hexdigest()
    if path.exists():
        return 0
    path.write_bytes(data)
    return 1


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    specs, out_dir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    added = {t: 0 for t in TARGETS}
    for target in TARGETS:
        (out_dir / target).mkdir(parents=True, exist_ok=True)
        for seed in sorted((HERE / "seeds" / target).glob("*")):
            added[target] += save(out_dir, target, seed.read_bytes())
    for spec_name, targets in SPEC_TARGETS.items():
        spec = specs / spec_name
        if not spec.exists():
            continue
        text = spec.read_text()
        for target, languages in targets.items():
            for lang, block in FENCE.findall(text):
                if lang in languages and (lang in ("ini", "xml") or looks_like_body(block)):
                    added[target] += save(out_dir, target, block)
            if "ini" not in languages:
                for sample in INLINE.findall(text):
                    added[target] += save(out_dir, target, sample)
        for stamp in set(TIMESTAMP.findall(text)):
            added["fuzz_time"] += save(out_dir, "fuzz_time", stamp)
    for target in TARGETS:
        print(f"{target}: {added[target]} new inputs")


if __name__ == "__main__":
    main()
