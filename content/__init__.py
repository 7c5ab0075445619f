"""The clinic's texts as data files (YAML); this package only marks where they live."""
