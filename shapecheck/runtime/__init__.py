"""The runtime checker: ``check``, ``ShapeContractError`` and the modes.

Importing this package never imports TensorFlow; TensorFlow objects are recognised lazily
when a value is checked.
"""

from shapecheck.runtime.decorator import check
from shapecheck.runtime.errors import ShapeContractError
from shapecheck.runtime.import_hook import install_import_hook, uninstall_import_hook
from shapecheck.runtime.keras_models import check_model
from shapecheck.runtime.modes import get_mode, mode, set_mode

__all__ = ["ShapeContractError", "check", "check_model", "get_mode", "install_import_hook", "mode", "set_mode", "uninstall_import_hook"]
