package io.workmate.bench.gateway;

import java.time.Duration;

/**
 * The gateway bench's command line.
 *
 * @param kills real gateway SIGKILLs (each followed by a 15-60 s restart)
 * @param cuts link cuts through a loopback proxy (cheap: the gateway keeps running)
 * @param calls measured {@code health} round trips per client
 * @param warmup unmeasured round trips per client before that
 * @param blocks the measured calls are split into this many blocks, alternating the clients, so
 *     slow drift of the machine (or the gateway) hits both alike
 * @param idleWait before each phase, how long to wait at most for the CPUs to be quiet
 */
record GatewayBenchOptions(int kills, int cuts, int calls, int warmup, int blocks,
    Duration idleWait) {

  static final String USAGE = String.join("\n",
      "usage: GatewayBench [options]   (needs -Dworkmate.home=<repo root> with .tools/ from"
          + " scripts/setup)",
      "  --kills N     real gateway SIGKILLs, each followed by a restart (default 3; 0 = skip)",
      "  --cuts N      link cuts through a loopback TCP proxy (default 20; 0 = skip)",
      "  --calls N     measured health round trips per client (default 2000; 0 = skip)",
      "  --warmup N    unmeasured round trips per client first (default 200)",
      "  --blocks N    measured calls alternate between the clients in N blocks (default 4)",
      "  --idle-wait S before each phase wait up to S s for the CPUs to be quiet (default 60)");

  static GatewayBenchOptions parse(String[] args) {
    int kills = 3;
    int cuts = 20;
    int calls = 2000;
    int warmup = 200;
    int blocks = 4;
    int idleWaitSeconds = 60;
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      switch (name) {
        case "--kills" -> kills = atLeast(0, name, value(args, ++i, name));
        case "--cuts" -> cuts = atLeast(0, name, value(args, ++i, name));
        case "--calls" -> calls = atLeast(0, name, value(args, ++i, name));
        case "--warmup" -> warmup = atLeast(0, name, value(args, ++i, name));
        case "--blocks" -> blocks = atLeast(1, name, value(args, ++i, name));
        case "--idle-wait" -> idleWaitSeconds = atLeast(0, name, value(args, ++i, name));
        default -> throw new IllegalArgumentException("unknown option " + name);
      }
    }
    if (calls > 0 && calls < blocks) {
      throw new IllegalArgumentException("--calls " + calls + " is fewer than --blocks " + blocks);
    }
    return new GatewayBenchOptions(kills, cuts, calls, warmup, blocks,
        Duration.ofSeconds(idleWaitSeconds));
  }

  private static String value(String[] args, int index, String name) {
    if (index >= args.length) {
      throw new IllegalArgumentException(name + " needs a value");
    }
    return args[index];
  }

  private static int atLeast(int min, String name, String value) {
    int number;
    try {
      number = Integer.parseInt(value);
    } catch (NumberFormatException notANumber) {
      throw new IllegalArgumentException(name + " needs a whole number, got '" + value + "'");
    }
    if (number < min) {
      throw new IllegalArgumentException(name + " must be at least " + min + ", got " + value);
    }
    return number;
  }
}
