"""ptycho_core: the ptychography core (layouts, translation, patches, physics, model) under shape contracts.

Every public function and Keras layer ``call`` carries a shapecheck contract; every size
is a static dimension of its inputs or an explicit argument (never a global config).
"""

from ptycho_core.layouts import (
    channel_to_flat,
    channel_to_grid,
    flat_to_channel,
    flatten_offsets,
    grid_to_channel,
    unflatten_offsets,
)
from ptycho_core.patches import (
    central_mask,
    extract_patches,
    reassemble_normalised,
    reassemble_patches,
    reassemble_patches_chunked,
)
from ptycho_core.physics import diffract, illuminate, intensity_scale_from_data, poisson_nll
from ptycho_core.translate import translate

__all__ = [
    "central_mask",
    "channel_to_flat",
    "channel_to_grid",
    "diffract",
    "extract_patches",
    "flat_to_channel",
    "flatten_offsets",
    "grid_to_channel",
    "illuminate",
    "intensity_scale_from_data",
    "poisson_nll",
    "reassemble_normalised",
    "reassemble_patches",
    "reassemble_patches_chunked",
    "translate",
    "unflatten_offsets",
]
