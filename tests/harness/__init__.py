"""Test tooling shared by the tests and the benchmarks: app nodes as child processes, the
zygote that forks them, a failing-over SSE reader and the crash harness."""
