"""StatusDesk's command line: parsing, prompts, printing and exit codes over core."""
