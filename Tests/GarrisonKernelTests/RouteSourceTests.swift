import GarrisonKernel
import Testing

/// `RouteSource` answers what `ip -4 route get` prints after `src`, from a connected UDP socket.
@Suite struct RouteSourceTests {
  @Test func loopbackIsReachedFromLoopback() {
    #expect(RouteSource.address(to: "127.0.0.1") == "127.0.0.1")
  }

  @Test(arguments: ["", "1.1.1", "::1", "localhost", "1.1.1.1 ", "-1.1.1.1"])
  func notAnIPv4AddressHasNoSource(_ text: String) {
    #expect(RouteSource.address(to: text) == nil)
  }
}
