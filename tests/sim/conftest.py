import numpy as np
import pytest

from hardware.sim.art_library import ArtLibrary
from hardware.sim.camera_model import default_camera
from hardware.sim.catalog import load_sim_catalog
from hardware.sim.render import SceneLook, TrayRenderer


@pytest.fixture(scope="session")
def sim_catalog():
    return load_sim_catalog()


@pytest.fixture(scope="session")
def art(sim_catalog):
    return ArtLibrary(sim_catalog)


@pytest.fixture(scope="session")
def small_renderer(art):
    """640x360 keeps the render tests fast; geometry scales with the width."""
    return TrayRenderer(art, default_camera(640, 360))


@pytest.fixture
def plain_look():
    """No noise, glare or blur: pixels differ only where something is drawn."""
    return SceneLook(noise_sigma=0.0, glare_strength=0.0, blur_sigma=0.0, shadow_strength=0.0)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
