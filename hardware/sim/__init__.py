"""The simulated world: one virtual tray that the simulated camera draws and the
simulated scale weighs, plus labelled scene sets rendered from the same code."""
