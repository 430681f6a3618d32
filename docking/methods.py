"""The selection methods' codes as the API documents them (registered by `bidding`)."""

from bidding.methods import AUCTION, DIRECT, DRAW

METHODS = [DRAW, AUCTION, DIRECT]
