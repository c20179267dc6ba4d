"""HTTP adapter (FastAPI): command endpoints, read endpoints, error mapping and
fault injection, over the application object."""
