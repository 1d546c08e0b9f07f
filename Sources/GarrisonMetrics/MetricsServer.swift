#if canImport(Glibc)
  import Glibc
#endif
import GarrisonCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// `garrison metrics serve`: an HTTP server (SwiftNIO, NIOHTTP1, one event loop) answering `GET /metrics` with a
/// scrape of the ``MetricsCollector`` in the Prometheus text format, or OpenMetrics when the `Accept` header asks
/// for it, and `GET /healthz` with `ok`. Requests carry no body worth reading; one over 64 KiB closes the connection.
public final class MetricsServer: @unchecked Sendable {
  public let host: String
  public let port: Int
  let collector: MetricsCollector
  let group: MultiThreadedEventLoopGroup
  private var channel: (any Channel)?

  public init(host: String, port: Int, collector: MetricsCollector) {
    self.host = host
    self.port = port
    self.collector = collector
    group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
  }

  /// Binds and starts serving; returns the port bound. A port already in use is a `.system` error saying so
  /// (the command exits 4); nothing is left listening.
  public func start() throws -> Int {
    let collector = self.collector
    let bootstrap = ServerBootstrap(group: group)
      .serverChannelOption(.backlog, value: 64)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
          try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(collector: collector))
        }
      }
    do {
      let bound = try bootstrap.bind(host: host, port: port).wait()
      channel = bound
      return bound.localAddress?.port ?? port
    } catch let e as IOError where e.errnoCode == EADDRINUSE {
      try? group.syncShutdownGracefully()
      throw GarrisonError(
        .system, operation: "bind", "cannot listen on \(host):\(port): the address is already in use (another exporter running?)",
        errno: EADDRINUSE)
    } catch {
      try? group.syncShutdownGracefully()
      throw GarrisonError(.system, operation: "bind", "cannot listen on \(host):\(port): \(error)")
    }
  }

  /// Serves until the listening channel is closed (``stop()``).
  public func wait() throws { try channel?.closeFuture.wait() }

  /// Stops listening and shuts the event loop down.
  public func stop() {
    try? channel?.close().wait()
    try? group.syncShutdownGracefully()
  }
}

/// Answers one request at a time (keep-alive).
final class MetricsHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  let collector: MetricsCollector
  private var head: HTTPRequestHead?
  private var bodyBytes = 0

  init(collector: MetricsCollector) { self.collector = collector }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head(let h):
      head = h
      bodyBytes = 0
    case .body(let chunk):
      bodyBytes += chunk.readableBytes
      if bodyBytes > 64 << 10 {
        head = nil
        context.close(promise: nil)
      }
    case .end:
      guard let head else { return }
      self.head = nil
      let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
      switch (head.method, path) {
      case (.GET, "/metrics"), (.HEAD, "/metrics"):
        let format = ExpositionFormat.negotiate(accept: head.headers.first(name: "accept"))
        let body = Exposition.encode(collector.collect(), format: format)
        send(context, head, .ok, body, type: format.contentType)
      case (.GET, "/healthz"), (.HEAD, "/healthz"):
        send(context, head, .ok, Array("ok\n".utf8), type: "text/plain; charset=utf-8")
      case (_, "/metrics"), (_, "/healthz"):
        send(context, head, .methodNotAllowed, Array("method not allowed\n".utf8), type: "text/plain; charset=utf-8")
      default:
        send(context, head, .notFound, Array("not found: /metrics and /healthz are served\n".utf8), type: "text/plain; charset=utf-8")
      }
    }
  }

  private func send(
    _ context: ChannelHandlerContext, _ request: HTTPRequestHead, _ status: HTTPResponseStatus, _ body: [UInt8], type: String
  ) {
    var headers = HTTPHeaders()
    headers.add(name: "content-type", value: type)
    headers.add(name: "content-length", value: String(body.count))
    let keepAlive = request.isKeepAlive
    if !keepAlive { headers.add(name: "connection", value: "close") }
    context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
    if request.method != .HEAD {
      var buffer = context.channel.allocator.buffer(capacity: body.count)
      buffer.writeBytes(body)
      context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
    }
    if keepAlive {
      context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    } else {
      let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
      context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in loopBound.value.close(promise: nil) }
    }
  }
}
