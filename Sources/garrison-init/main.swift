import GarrisonInit

// The container init: static, single-threaded, no Foundation.
