"""Validator for shape_mismatch_train_two_bugs (extras variant of shape_mismatch_train where validate() is broken
too): the parent's recipe, on the parent's hidden files shared through `variant_of`; this variant's
hidden/image_spec.py asks the transforms for 3-channel 32x32 digits, and its planted validate() bug is caught by
the judge's reference loop."""
from pytest_mldevbench.tasks_variant import parent_validator

test_shape_mismatch_train_two_bugs = parent_validator(__file__)
