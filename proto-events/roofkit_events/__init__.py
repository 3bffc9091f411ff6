"""RoofKit's service contracts: protobuf messages and the NATS subjects that carry them.

The ``<domain>/v1`` packages are generated from ``proto-events/proto`` by
``proto-events/generate.py`` (never edit them by hand); ``subjects`` is hand-written.
"""
