"""Training stage: builders, the trainer loop, callbacks, checkpoints and run folders."""
