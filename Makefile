# The two commands of README.md: `make demo` and `make test`.
.PHONY: demo adopt test lint fmt docs bench release

demo:
	./scripts/demo.sh

# Adopting a hand-made integration into the shipped module: generate-imports against
# `connectwise-sandbox --hand-made`, then the plan (only imports, plus the one drift).
adopt:
	./scripts/adopt.sh

test:
	cargo test

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings

fmt:
	cargo fmt --all
	terraform fmt -recursive examples

# Regenerates docs/ from the provider schema and examples/.
docs:
	UPDATE_DOCS=1 cargo test --test docs

bench:
	cargo bench --bench scale

release:
	./scripts/release.sh
