"""Starts, waits for and stops the project's servers, for the tests, the benchmarks and the cluster test."""
