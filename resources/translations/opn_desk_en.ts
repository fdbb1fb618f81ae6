<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="en">
    <context>
        <name>AuditWording</name>
        <message numerus="yes">
            <source>Schedule %1 for %2 every %n day(s) from %3 to %4</source>
            <translation>
                <numerusform>Schedule %1 for %2 every day from %3 to %4</numerusform>
                <numerusform>Schedule %1 for %2 every %n days from %3 to %4</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Schedule %1 for %2 every %n week(s) from %3 to %4</source>
            <translation>
                <numerusform>Schedule %1 for %2 every week from %3 to %4</numerusform>
                <numerusform>Schedule %1 for %2 every %n weeks from %3 to %4</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Schedule %1 for %2 every %n month(s) from %3 to %4</source>
            <translation>
                <numerusform>Schedule %1 for %2 every month from %3 to %4</numerusform>
                <numerusform>Schedule %1 for %2 every %n months from %3 to %4</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Answer dispute %1 (%n characters)</source>
            <translation>
                <numerusform>Answer dispute %1 (%n character)</numerusform>
                <numerusform>Answer dispute %1 (%n characters)</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>BulkRefundDialog</name>
        <message numerus="yes">
            <source>Refund %n charge(s) in full, %1 in all? Each is sent once, one after the other. This cannot be undone.</source>
            <translation>
                <numerusform>Refund %n charge in full, %1 in all? Each is sent once, one after the other. This cannot be undone.</numerusform>
                <numerusform>Refund %n charges in full, %1 in all? Each is sent once, one after the other. This cannot be undone.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%1 of %n charge(s) refunded.</source>
            <translation>
                <numerusform>%1 of %n charge refunded.</numerusform>
                <numerusform>%1 of %n charges refunded.</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>CaptureDialog</name>
        <message numerus="yes">
            <source>%1 (in %n hour(s))</source>
            <translation>
                <numerusform>%1 (in %n hour)</numerusform>
                <numerusform>%1 (in %n hours)</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>CaptureTableModel</name>
        <message numerus="yes">
            <source>%n day(s)</source>
            <translation>
                <numerusform>%n day</numerusform>
                <numerusform>%n days</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>EvidenceForm</name>
        <message numerus="yes">
            <source>Sent to Opn: %n document(s) and the message. The dispute is now %1.</source>
            <translation>
                <numerusform>Sent to Opn: %n document and the message. The dispute is now %1.</numerusform>
                <numerusform>Sent to Opn: %n documents and the message. The dispute is now %1.</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>ExportAction</name>
        <message numerus="yes">
            <source>Exporting… %n row(s) written.</source>
            <translation>
                <numerusform>Exporting… %n row written.</numerusform>
                <numerusform>Exporting… %n rows written.</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>Notifier</name>
        <message numerus="yes">
            <source>%n dispute(s) must be answered within two days</source>
            <translation>
                <numerusform>%n dispute must be answered within two days</numerusform>
                <numerusform>%n disputes must be answered within two days</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n authorization(s) lapse within 24 hours</source>
            <translation>
                <numerusform>%n authorization lapse within 24 hours</numerusform>
                <numerusform>%n authorizations lapse within 24 hours</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n scheduled charge(s) failed</source>
            <translation>
                <numerusform>%n scheduled charge failed</numerusform>
                <numerusform>%n scheduled charges failed</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n operation(s) could not be confirmed</source>
            <translation>
                <numerusform>%n operation could not be confirmed</numerusform>
                <numerusform>%n operations could not be confirmed</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>OperationsTableModel</name>
        <message numerus="yes">
            <source>Sending was cut off. opn-desk asks Opn whether it went through once %n minute(s) have passed since (in case another workstation is still sending it), and never sends it twice; Check again does it now if the time has passed.</source>
            <translation>
                <numerusform>Sending was cut off. opn-desk asks Opn whether it went through once %n minute has passed since (in case another workstation is still sending it), and never sends it twice; Check again does it now if the time has passed.</numerusform>
                <numerusform>Sending was cut off. opn-desk asks Opn whether it went through once %n minutes have passed since (in case another workstation is still sending it), and never sends it twice; Check again does it now if the time has passed.</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>ReportChart</name>
        <message numerus="yes">
            <source>Largest %n group(s) shown.</source>
            <translation>
                <numerusform>Largest %n group shown.</numerusform>
                <numerusform>Largest %n groups shown.</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>ScheduleBulkDialog</name>
        <message numerus="yes">
            <source>Create %n schedule(s) in Opn now? The rows to fix are not sent; the result file lists every row.</source>
            <translation>
                <numerusform>Create %n schedule in Opn now? The rows to fix are not sent; the result file lists every row.</numerusform>
                <numerusform>Create %n schedules in Opn now? The rows to fix are not sent; the result file lists every row.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n schedule(s) created.</source>
            <translation>
                <numerusform>%n schedule created.</numerusform>
                <numerusform>%n schedules created.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n row(s) ready to send.</source>
            <translation>
                <numerusform>%n row ready to send.</numerusform>
                <numerusform>%n rows ready to send.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n row(s) to fix.</source>
            <translation>
                <numerusform>%n row to fix.</numerusform>
                <numerusform>%n rows to fix.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n row(s) already created.</source>
            <translation>
                <numerusform>%n row already created.</numerusform>
                <numerusform>%n rows already created.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Handled %1 of %n row(s)…</source>
            <translation>
                <numerusform>Handled %1 of %n row…</numerusform>
                <numerusform>Handled %1 of %n rows…</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>SchedulesTableModel</name>
        <message numerus="yes">
            <source>Every %n day(s).</source>
            <translation>
                <numerusform>Every day.</numerusform>
                <numerusform>Every %n days.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>every %n day(s)</source>
            <translation>
                <numerusform>every day</numerusform>
                <numerusform>every %n days</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>every %n month(s) on day %1, or the last day of a shorter month</source>
            <translation>
                <numerusform>every month on day %1, or the last day of a shorter month</numerusform>
                <numerusform>every %n months on day %1, or the last day of a shorter month</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>every %n month(s) on day %1</source>
            <translation>
                <numerusform>every month on day %1</numerusform>
                <numerusform>every %n months on day %1</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Every %n month(s) on day %1.</source>
            <translation>
                <numerusform>Every month on day %1.</numerusform>
                <numerusform>Every %n months on day %1.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Every %n week(s) on %1.</source>
            <translation>
                <numerusform>Every week on %1.</numerusform>
                <numerusform>Every %n weeks on %1.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>every %n week(s) on %1</source>
            <translation>
                <numerusform>every week on %1</numerusform>
                <numerusform>every %n weeks on %1</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Every %n month(s) on the %1 %2.</source>
            <translation>
                <numerusform>Every month on the %1 %2.</numerusform>
                <numerusform>Every %n months on the %1 %2.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>every %n month(s) on the %1 %2</source>
            <translation>
                <numerusform>every month on the %1 %2</numerusform>
                <numerusform>every %n months on the %1 %2</numerusform>
            </translation>
        </message>
    </context>
</TS>
