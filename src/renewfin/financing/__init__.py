"""The funding stack on top of the operating model: sources and uses in construction,
the operating cash waterfall, debt sizing, and the ledger lines they produce."""
