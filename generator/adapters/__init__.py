"""Adapters to forges: each carries out :mod:`generator.sync`'s actions on one platform."""
