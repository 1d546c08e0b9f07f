import GarrisonInit

// The container init: static, single-threaded, no Foundation. See docs/init-order.md.
ContainerInit.main()
