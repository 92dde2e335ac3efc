"""After training: scoring a run's checkpoint on a split (`scoring`) and the HTML report of a
run (`report`). It reads run folders and predicts with `seglab.inference`; the training engine
never imports it."""
