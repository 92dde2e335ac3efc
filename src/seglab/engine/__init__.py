"""Training stage: the trainer loop, its builders, callbacks and the experiment that runs them."""
