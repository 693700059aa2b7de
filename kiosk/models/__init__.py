"""Released models on the device: numbered immutable versions with their profiles."""

from kiosk.models.profile import ModelProfile
from kiosk.models.repository import ModelError, ModelRelease, ModelRepository

__all__ = ["ModelError", "ModelProfile", "ModelRelease", "ModelRepository"]
