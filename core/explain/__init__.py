"""Backpropagation shown for one image: every gradient, the arithmetic of one unit,
and one step of learning on a copy of the network."""
