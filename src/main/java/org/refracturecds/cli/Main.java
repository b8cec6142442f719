package org.refracturecds.cli;

/** The command line: {@code java -jar pvp-refracture-cds.jar assess FILE}. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(Cli.run(args, System.in, System.out, System.err));
    }
}
