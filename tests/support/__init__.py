"""Test harness shared by the suites: the CLI runner, keyring stand-ins, local mail servers."""
