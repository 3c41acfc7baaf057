"""Financial instruments as pure, vectorised functions of (S|1, T) arrays.

Each returns its corkscrew (opening, draws or issues, interest, repayment, closing …);
the financing engine orchestrates them and holds no instrument maths of its own.
"""
