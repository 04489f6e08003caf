"""The shipped default standard (``diemcau/data/standard.yaml``)."""

from diemcau.inventory.reference import read_yaml


def read_standard_file() -> dict:
    return read_yaml("standard.yaml")
