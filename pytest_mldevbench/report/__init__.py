"""Reports: aggregate trials, write the schema-versioned JSON report, print the terminal table."""
