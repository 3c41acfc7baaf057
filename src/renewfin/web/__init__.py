"""The local web app (``renewfin serve``): a page and a JSON API over the same engine.

A FastAPI application (:func:`renewfin.web.app.create_app`) served by Uvicorn on the
user's own machine (127.0.0.1 unless told otherwise): a workspace of projects stored as
spec YAML files (:mod:`renewfin.web.workspace`), an edit form generated from the spec's
JSON Schema, runs, Monte Carlo and sensitivity jobs in worker processes
(:mod:`renewfin.web.jobs`), goal seek and downloads. The page (``templates/``,
``static/``) calls the API under ``/api``; ``/api/docs`` documents it (OpenAPI).

Nothing here computes a number: every figure comes from the engine's public functions.
"""
