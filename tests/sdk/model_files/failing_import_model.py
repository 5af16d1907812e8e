"""A model file whose import fails: the package does not exist."""

import rafiki_no_such_package_for_tests  # noqa: F401

from rafiki.model import BaseModel


class FailingImportModel(BaseModel):
    pass
