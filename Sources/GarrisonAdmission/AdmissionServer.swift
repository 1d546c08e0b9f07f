import Foundation
import GarrisonCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// `garrison admission serve`: an HTTPS server (SwiftNIO, NIOHTTP1, NIOSSL) answering `POST /validate` (and `/`)
/// with the ``AdmissionController``'s decision as an `AdmissionReview` response, and `GET /healthz` with `ok`.
///
/// Hostile bodies are bounded: a declared or received body over ``Configuration/maxBodyBytes`` is answered `400`
/// and the connection closed before more is read; a body that is not an `admission.k8s.io/v1` `AdmissionReview`
/// is a `400` naming what is wrong. Every decision is recorded by `record` before the answer is sent; if that
/// fails the answer is `500` (the API server then applies the webhook's `failurePolicy`).
///
/// Reviews are decided and recorded on a pool of ``reviewThreads`` threads, never on the event loops: recording
/// blocks on an fsync, and concurrent reviews waiting on the pool let the audit log's group commit write their
/// events with one fsync while the event loops keep reading and answering other connections.
public final class AdmissionServer: @unchecked Sendable {
  /// Where and how to serve.
  public struct Configuration: Sendable {
    public var host: String
    public var port: Int
    public var certificatePath: String
    public var keyPath: String
    public var maxBodyBytes: Int
    public init(host: String, port: Int, certificatePath: String, keyPath: String, maxBodyBytes: Int = 3 << 20) {
      self.host = host
      self.port = port
      self.certificatePath = certificatePath
      self.keyPath = keyPath
      self.maxBodyBytes = maxBodyBytes
    }
  }

  let configuration: Configuration
  let controller: AdmissionController
  let record: @Sendable (AdmissionRequest, AdmissionDecision) throws -> Void
  let tls: TLSContextSource
  let group: MultiThreadedEventLoopGroup
  let pool: NIOThreadPool
  /// Threads that decide and record reviews (each blocks for its fsync; more of them share one).
  public static let reviewThreads = 8
  private var channel: (any Channel)?

  public init(
    configuration: Configuration, controller: AdmissionController,
    record: @escaping @Sendable (AdmissionRequest, AdmissionDecision) throws -> Void
  ) throws {
    self.configuration = configuration
    self.controller = controller
    self.record = record
    tls = try TLSContextSource(certificatePath: configuration.certificatePath, keyPath: configuration.keyPath)
    group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    pool = NIOThreadPool(numberOfThreads: Self.reviewThreads)
  }

  /// Binds and starts serving; returns the port bound (useful with port 0).
  public func start() throws -> Int {
    let tls = self.tls
    let respond: @Sendable ([UInt8]) -> (HTTPResponseStatus, [UInt8]) = { [controller, record] body in
      Self.review(body, controller: controller, record: record)
    }
    let limit = configuration.maxBodyBytes
    let pool = self.pool
    pool.start()
    let bootstrap = ServerBootstrap(group: group)
      .serverChannelOption(.backlog, value: 256)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
      .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.current()))
          try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
          try channel.pipeline.syncOperations.addHandler(AdmissionHTTPHandler(maxBodyBytes: limit, pool: pool, respond: respond))
        }
      }
    do {
      let bound = try bootstrap.bind(host: configuration.host, port: configuration.port).wait()
      channel = bound
      return bound.localAddress?.port ?? configuration.port
    } catch {
      throw GarrisonError(.system, operation: "bind", "cannot listen on \(configuration.host):\(configuration.port): \(error)")
    }
  }

  /// Serves until the listening channel is closed (``stop()``).
  public func wait() throws {
    try channel?.closeFuture.wait()
  }

  /// Stops listening and shuts the event loops down.
  public func stop() {
    try? channel?.close().wait()
    try? pool.syncShutdownGracefully()  // first: its last answers complete on the still-running event loops
    try? group.syncShutdownGracefully()
  }

  /// One `POST`: parse, decide, record, answer.
  static func review(
    _ body: [UInt8], controller: AdmissionController,
    record: (AdmissionRequest, AdmissionDecision) throws -> Void
  ) -> (HTTPResponseStatus, [UInt8]) {
    let request: AdmissionRequest
    do { request = try AdmissionRequest(body: body) } catch {
      return (.badRequest, message(String(describing: error)))
    }
    let decision = controller.decide(request)
    do { try record(request, decision) } catch {
      return (.internalServerError, message("cannot record the admission decision: \(error)"))
    }
    return (.ok, decision.reviewJSON(uid: request.uid))
  }

  static func message(_ text: String) -> [UInt8] {
    Array((try? JSONSerialization.data(withJSONObject: ["error": text], options: [.sortedKeys])) ?? Data()) + [10]
  }
}

/// Reads one HTTP request at a time (keep-alive), bounded, and answers it.
final class AdmissionHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  let maxBodyBytes: Int
  let pool: NIOThreadPool
  let respond: @Sendable ([UInt8]) -> (HTTPResponseStatus, [UInt8])
  private var head: HTTPRequestHead?
  private var body: [UInt8] = []
  private var refused = false

  init(maxBodyBytes: Int, pool: NIOThreadPool, respond: @escaping @Sendable ([UInt8]) -> (HTTPResponseStatus, [UInt8])) {
    self.maxBodyBytes = maxBodyBytes
    self.pool = pool
    self.respond = respond
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head(let h):
      head = h
      body = []
      refused = false
      if let declared = h.headers.first(name: "content-length").flatMap(Int.init), declared > maxBodyBytes {
        tooLarge(context)
      }
    case .body(var chunk):
      guard !refused else { return }
      guard body.count + chunk.readableBytes <= maxBodyBytes else { return tooLarge(context) }
      body += chunk.readBytes(length: chunk.readableBytes) ?? []
    case .end:
      guard !refused, let head else { return }
      self.head = nil
      switch (head.method, head.uri.split(separator: "?").first.map(String.init) ?? "") {
      case (.GET, "/healthz"), (.GET, "/readyz"):
        send(context, .ok, Array("ok\n".utf8), type: "text/plain", close: false)
      case (.POST, "/validate"), (.POST, "/"):
        // Decided and recorded on the pool; the HTTP pipeline holds this connection's next request until the
        // answer's end is written, so answers stay in request order.
        let request = body
        let respond = self.respond
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        pool.runIfActive(eventLoop: context.eventLoop) { respond(request) }.whenComplete { result in
          let (handler, context) = bound.value
          guard context.channel.isActive else { return }
          switch result {
          case .success(let (status, bytes)): handler.send(context, status, bytes, type: "application/json", close: false)
          case .failure:
            handler.send(
              context, .serviceUnavailable, AdmissionServer.message("the server is stopping"), type: "application/json", close: true)
          }
        }
      case (_, "/validate"), (_, "/"), (_, "/healthz"):
        send(
          context, .methodNotAllowed, AdmissionServer.message("method \(head.method) not allowed"), type: "application/json", close: false)
      default:
        send(context, .notFound, AdmissionServer.message("no such path \(head.uri)"), type: "application/json", close: false)
      }
      body = []
    }
  }

  private func tooLarge(_ context: ChannelHandlerContext) {
    refused = true
    body = []
    send(
      context, .badRequest, AdmissionServer.message("request body larger than \(maxBodyBytes) bytes"),
      type: "application/json", close: true)
  }

  private func send(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ bytes: [UInt8], type: String, close: Bool) {
    var headers = HTTPHeaders()
    headers.add(name: "Content-Type", value: type)
    headers.add(name: "Content-Length", value: String(bytes.count))
    if close { headers.add(name: "Connection", value: "close") }
    context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
    var buffer = context.channel.allocator.buffer(capacity: bytes.count)
    buffer.writeBytes(bytes)
    context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
    if close {
      let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
      context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in loopBound.value.close(promise: nil) }
    } else {
      context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
  }
}
