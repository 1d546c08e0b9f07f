#if canImport(Glibc)
  import Glibc
#endif

/// One fuzz target: a name, a one-time set-up and the harness run on every input.
struct FuzzTarget: Sendable {
  let name: String
  /// What the harness feeds and what it checks beyond "no crash".
  let summary: String
  let setUp: @Sendable () -> Void
  /// Runs one input; true when the parser accepted it (the replayer counts them: a seed nobody accepts is dead).
  let run: @Sendable (UnsafeRawBufferPointer) -> Bool

  init(
    _ name: String, _ summary: String, setUp: @escaping @Sendable () -> Void = {},
    run: @escaping @Sendable (UnsafeRawBufferPointer) -> Bool
  ) {
    self.name = name
    self.summary = summary
    self.setUp = setUp
    self.run = run
  }
}

/// Target selection, failure reporting and the corpus replayer.
enum FuzzDriver {
  nonisolated(unsafe) static var selected: FuzzTarget?
  /// libFuzzer's `-artifact_prefix`, if given (the tar target makes it exist inside its chroot too).
  nonisolated(unsafe) static var artifactPrefix: String?

  /// Reports a finding and traps, so libFuzzer keeps the input as a crash artifact.
  static func fail(_ message: String) -> Never {
    printError("garrison-fuzz: FINDING in \(selected?.name ?? "?"): \(message)")
    fatalError(message)
  }

  /// A usage or set-up error (not a finding).
  static func die(_ message: String) -> Never {
    printError("garrison-fuzz: \(message)")
    exit(2)
  }

  /// One line to standard error, unbuffered.
  static func printError(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { b in
      var at = 0
      while at < b.count {
        let n = write(2, b.baseAddress! + at, b.count - at)
        if n <= 0 { break }
        at += n
      }
    }
  }

  /// `garrison-fuzz TARGET FILE|DIR...`: runs every file (directories: their regular files, sorted) through the
  /// target once and prints how many; a finding traps like under libFuzzer, after naming the file.
  /// `garrison-fuzz --list` prints the targets.
  static func replay(_ args: [String]) -> Int32 {
    if args.first == "--list" {
      for t in FuzzTargets.all { print("\(t.name)\t\(t.summary)") }
      return 0
    }
    guard let name = args.first, let target = FuzzTargets.named(name) else {
      printError("usage: garrison-fuzz TARGET FILE|DIR...   (targets: \(FuzzTargets.names.joined(separator: " ")))")
      return 2
    }
    var files: [String] = []
    for path in args.dropFirst() {
      var st = stat()
      guard stat(path, &st) == 0 else { die("cannot stat \(path): \(String(cString: strerror(errno)))") }
      if (st.st_mode & S_IFMT) == S_IFDIR {
        files += regularFiles(in: path)
      } else {
        files.append(path)
      }
    }
    selected = target
    target.setUp()
    var accepted = 0
    for file in files {
      guard let bytes = readFile(file) else { die("cannot read \(file)") }
      printError("replay \(name) \(file)")
      if bytes.withUnsafeBytes({ target.run($0) }) { accepted += 1 }
    }
    print("garrison-fuzz: \(name): replayed \(files.count) input(s), \(accepted) accepted by the parser, no finding")
    return 0
  }

  static func regularFiles(in dir: String) -> [String] {
    guard let d = opendir(dir) else { die("cannot open \(dir)") }
    defer { closedir(d) }
    var out: [String] = []
    while let e = readdir(d) {
      let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
      if name.hasPrefix(".") { continue }
      var st = stat()
      if stat(dir + "/" + name, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { out.append(dir + "/" + name) }
    }
    return out.sorted()
  }

  static func readFile(_ path: String) -> [UInt8]? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
      if n == 0 { break }
      out += chunk[0..<n]
    }
    return ferror(f) == 0 ? out : nil
  }
}
