"""The operating model before financing: investment, revenue, costs, depreciation, taxes.

Each module holds the computation of one block of line items, as pure functions of
(S|1, T) arrays, and records its results in the run's ledger.
"""
