import Foundation
import Harness

/// Prints a line unbuffered, so that it stays in order with the progress lines on stderr when both are piped.
public func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// Ctrl-C (SIGINT) and SIGTERM (what a CI runner or Kubernetes sends) stop the work under way: a replay keeps the
/// results written so far, marked incomplete, and removes its temporary stores; a trace being generated is not
/// written. A second signal exits at once.
public func installInterruptHandler() {
    // A parent may have started us with the signals blocked (test runners do); the threads made later inherit this.
    var unblock = sigset_t()
    sigemptyset(&unblock)
    sigaddset(&unblock, SIGINT)
    sigaddset(&unblock, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    for number in [SIGINT, SIGTERM] {
        signal(number) { number in
            if replayInterruption.load(ordering: .relaxed) { _exit(128 + number) }
            interruptionSignal.store(number, ordering: .relaxed)
            replayInterruption.store(true, ordering: .relaxed)
        }
    }
}

/// The exit status of a process stopped by ``installInterruptHandler()``'s signal: 130 for Ctrl-C, 143 for SIGTERM;
/// nil when no signal came.
public var interruptionExitStatus: Int32? {
    let number = interruptionSignal.load(ordering: .relaxed)
    return number == 0 ? nil : 128 + number
}
