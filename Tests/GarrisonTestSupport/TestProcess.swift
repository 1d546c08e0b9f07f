import Foundation

/// Runs a program to completion for a test and captures what it printed.
///
/// Output goes to files, not pipes: a program that leaves a child holding its stdout (a created container, a
/// daemon) would otherwise keep a pipe open forever.
public enum TestProcess {
  /// Exit status and output of one run.
  public struct Result: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// stdout followed by stderr.
    public var output: String { stdout + stderr }
  }

  /// Runs `path` with `args`; `env` replaces the environment when given, `stdin` is written to its input
  /// (otherwise /dev/null), `cwd` is its working directory.
  public static func run(
    _ path: String, _ args: [String], env: [String: String]? = nil, stdin: String? = nil,
    cwd: String? = nil
  ) throws -> Result {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    if let env { p.environment = env }
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    let scratch = try ScratchDirectory("process-output")
    defer { scratch.remove() }
    let outPath = try scratch.write("out", ""), errPath = try scratch.write("err", "")
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    p.standardOutput = out
    p.standardError = err
    let input = stdin.map { _ in Pipe() }
    p.standardInput = input ?? FileHandle.nullDevice
    try p.run()
    if let input, let stdin {
      try? input.fileHandleForWriting.write(contentsOf: Data(stdin.utf8))
      try? input.fileHandleForWriting.close()
    }
    p.waitUntilExit()
    try out.close()
    try err.close()
    return Result(
      status: p.terminationStatus,
      stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
      stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
  }
}
