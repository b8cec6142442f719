package org.refracturecds.fhirout;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.Reference;

/**
 * The module as the Device that performs a RiskAssessment: its name and its version, the version
 * the build wrote into {@code module.properties}. It travels contained in the RiskAssessment
 * ({@code performer} {@code #module}): a FHIR server that stores the assessment keeps which
 * software made it, without a Device resource of its own to create and keep up to date.
 */
public final class ModuleDevice {

    public static final String NAME = "pvp-refracture-cds";
    /** The module's version, e.g. 0.1.0. */
    public static final String VERSION = version();
    /** The contained Device's id, and so {@code performer.reference} {@code #module}. */
    static final String ID = "module";

    private ModuleDevice() {
    }

    /** A new Device of this module, to be contained. */
    static Device device() {
        Device device = new Device();
        device.setId(ID);
        device.addDeviceName().setName(NAME).setType(Device.DeviceNameType.MANUFACTURERNAME);
        device.addVersion().setValue(VERSION);
        return device;
    }

    static Reference performer() {
        return new Reference("#" + ID).setDisplay(NAME + " " + VERSION);
    }

    private static String version() {
        Properties properties = new Properties();
        try (InputStream in = ModuleDevice.class.getResourceAsStream("module.properties")) {
            if (in == null) {
                throw new IllegalStateException("module.properties is missing from the build (pom.xml, resources-filtered)");
            }
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties.getProperty("version");
    }
}
