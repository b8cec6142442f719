package org.refracturecds.facts;

import java.util.Arrays;
import java.util.Optional;

/** The levels the paper studied (T4-L5), with their SNOMED CT body structure codes (docs/CODES.md). */
public enum VertebralLevel {
    T4("86197001"), T5("6105006"), T6("32430008"), T7("71737002"), T8("77435000"), T9("33766003"),
    T10("48405002"), T11("52120002"), T12("280849005"), L1("61032001"), L2("53983007"), L3("55492004"),
    L4("71996003"), L5("21799000");

    public final String snomedCode;

    VertebralLevel(String snomedCode) {
        this.snomedCode = snomedCode;
    }

    /** The level named "T12" (any case), when it is one of T4-L5. */
    public static Optional<VertebralLevel> byName(String name) {
        return Arrays.stream(values()).filter(level -> level.name().equalsIgnoreCase(name.strip())).findFirst();
    }
}
