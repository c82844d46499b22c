"""placepix benchmarks: `python -m bench` (or `make bench`). See docs/performance.md."""
