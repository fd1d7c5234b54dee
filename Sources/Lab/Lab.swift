// The Lab module: ladder plans, the run store and the runner (being written).
