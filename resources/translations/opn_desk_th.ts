<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="th_TH" sourcelanguage="en">
    <context>
        <name>AuditTab</name>
        <message>
            <source>Audit log</source>
            <translation>บันทึกการตรวจสอบ</translation>
        </message>
        <message>
            <source>All clerks</source>
            <translation>พนักงานทุกคน</translation>
        </message>
        <message>
            <source>All actions</source>
            <translation>ทุกการกระทำ</translation>
        </message>
        <message>
            <source>Target id</source>
            <translation>รหัสเป้าหมาย</translation>
        </message>
        <message>
            <source>Before</source>
            <translation>ก่อน</translation>
        </message>
        <message>
            <source>After</source>
            <translation>หลัง</translation>
        </message>
        <message>
            <source>Nothing was recorded.</source>
            <translation>ยังไม่มีสิ่งใดถูกบันทึก</translation>
        </message>
        <message>
            <source>Entries shown: %1</source>
            <translation>รายการที่แสดง: %1</translation>
        </message>
        <message>
            <source>The audit log could not be read from the cache. The details are in the log; it is read again after the next write or sync.</source>
            <translation>อ่านบันทึกการตรวจสอบจากข้อมูลในเครื่องไม่ได้ รายละเอียดอยู่ในล็อก ระบบจะอ่านใหม่หลังการบันทึกหรือการซิงค์ครั้งถัดไป</translation>
        </message>
    </context>
    <context>
        <name>AuditTableModel</name>
        <message>
            <source>When</source>
            <translation>เมื่อ</translation>
        </message>
        <message>
            <source>Clerk</source>
            <translation>พนักงาน</translation>
        </message>
        <message>
            <source>Action</source>
            <translation>การกระทำ</translation>
        </message>
        <message>
            <source>Target</source>
            <translation>เป้าหมาย</translation>
        </message>
        <message>
            <source>Summary</source>
            <translation>สรุป</translation>
        </message>
        <message>
            <source>Operation</source>
            <translation>การดำเนินการ</translation>
        </message>
        <message>
            <source>Refund</source>
            <translation>คืนเงิน</translation>
        </message>
        <message>
            <source>Refund refused</source>
            <translation>การคืนเงินถูกปฏิเสธ</translation>
        </message>
        <message>
            <source>Capture</source>
            <translation>เรียกเก็บเงิน</translation>
        </message>
        <message>
            <source>Capture refused</source>
            <translation>การเรียกเก็บเงินถูกปฏิเสธ</translation>
        </message>
        <message>
            <source>Reverse</source>
            <translation>ปล่อยวงเงินคืน</translation>
        </message>
        <message>
            <source>Reverse refused</source>
            <translation>การปล่อยวงเงินคืนถูกปฏิเสธ</translation>
        </message>
        <message>
            <source>Evidence document</source>
            <translation>เอกสารหลักฐาน</translation>
        </message>
        <message>
            <source>Evidence document refused</source>
            <translation>เอกสารหลักฐานถูกปฏิเสธ</translation>
        </message>
        <message>
            <source>Dispute answer</source>
            <translation>คำตอบข้อโต้แย้ง</translation>
        </message>
        <message>
            <source>Dispute answer refused</source>
            <translation>คำตอบข้อโต้แย้งถูกปฏิเสธ</translation>
        </message>
        <message>
            <source>Dispute accepted</source>
            <translation>ยอมรับข้อโต้แย้ง</translation>
        </message>
        <message>
            <source>Dispute acceptance refused</source>
            <translation>การยอมรับข้อโต้แย้งถูกปฏิเสธ</translation>
        </message>
        <message>
            <source>Schedule created</source>
            <translation>สร้างกำหนดการ</translation>
        </message>
        <message>
            <source>Schedule refused</source>
            <translation>กำหนดการถูกปฏิเสธ</translation>
        </message>
        <message>
            <source>Schedule deleted</source>
            <translation>ลบกำหนดการ</translation>
        </message>
        <message>
            <source>Schedule deletion refused</source>
            <translation>การลบกำหนดการถูกปฏิเสธ</translation>
        </message>
    </context>
    <context>
        <name>AuditWording</name>
        <message>
            <source>Capture %1 of %2, releasing %3</source>
            <translation>เรียกเก็บเงิน %1 จาก %2 และปล่อยวงเงินที่เหลือ %3</translation>
        </message>
        <message>
            <source>Release the authorization of %1 on %2</source>
            <translation>ปล่อยวงเงินที่อนุมัติไว้ %1 ของ %2</translation>
        </message>
        <message>
            <source>Upload %1 (%2) to dispute %3</source>
            <translation>อัปโหลด %1 (%2) ไปยังข้อโต้แย้ง %3</translation>
        </message>
        <message numerus="yes">
            <source>Schedule %1 for %2 every %n day(s) from %3 to %4</source>
            <translation>
                <numerusform>ตั้งกำหนดการ %1 ให้ %2 ทุก %n วัน ตั้งแต่ %3 ถึง %4</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Schedule %1 for %2 every %n week(s) from %3 to %4</source>
            <translation>
                <numerusform>ตั้งกำหนดการ %1 ให้ %2 ทุก %n สัปดาห์ ตั้งแต่ %3 ถึง %4</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Schedule %1 for %2 every %n month(s) from %3 to %4</source>
            <translation>
                <numerusform>ตั้งกำหนดการ %1 ให้ %2 ทุก %n เดือน ตั้งแต่ %3 ถึง %4</numerusform>
            </translation>
        </message>
        <message>
            <source>Refund %1 on %2</source>
            <translation>คืนเงิน %1 ให้ %2</translation>
        </message>
        <message>
            <source>Accept dispute %1: %2</source>
            <translation>ยอมรับข้อโต้แย้ง %1: %2</translation>
        </message>
        <message>
            <source>Capture %1 of %2</source>
            <translation>เรียกเก็บเงิน %1 จาก %2</translation>
        </message>
        <message numerus="yes">
            <source>Answer dispute %1 (%n characters)</source>
            <translation>
                <numerusform>ตอบข้อโต้แย้ง %1 (%n ตัวอักษร)</numerusform>
            </translation>
        </message>
        <message>
            <source>Delete schedule %1</source>
            <translation>ลบกำหนดการ %1</translation>
        </message>
        <message>
            <source>%1: refused by Opn (%2)</source>
            <translation>%1: Opn ปฏิเสธ (%2)</translation>
        </message>
    </context>
    <context>
        <name>BulkRefundDialog</name>
        <message>
            <source>Refund several charges</source>
            <translation>คืนเงินหลายรายการชำระเงิน</translation>
        </message>
        <message>
            <source>Reading the charges from Opn…</source>
            <translation>กำลังอ่านรายการชำระเงินจาก Opn…</translation>
        </message>
        <message>
            <source>Charge</source>
            <translation>รายการชำระเงิน</translation>
        </message>
        <message>
            <source>Amount</source>
            <translation>จำนวนเงิน</translation>
        </message>
        <message>
            <source>Plan</source>
            <translation>แผน</translation>
        </message>
        <message>
            <source>Result</source>
            <translation>ผลลัพธ์</translation>
        </message>
        <message>
            <source>Reason</source>
            <translation>เหตุผล</translation>
        </message>
        <message>
            <source>Note</source>
            <translation>หมายเหตุ</translation>
        </message>
        <message>
            <source>Refund…</source>
            <translation>คืนเงิน…</translation>
        </message>
        <message>
            <source>Stop</source>
            <translation>หยุด</translation>
        </message>
        <message>
            <source>Refund everything left</source>
            <translation>คืนเงินทั้งหมดที่เหลือ</translation>
        </message>
        <message>
            <source>%1 of %2 charges can be refunded.</source>
            <translation>คืนเงินได้ %1 จาก %2 รายการชำระเงิน</translation>
        </message>
        <message numerus="yes">
            <source>Refund %n charge(s) in full, %1 in all? Each is sent once, one after the other. This cannot be undone.</source>
            <translation>
                <numerusform>คืนเงินเต็มจำนวน %n รายการชำระเงิน รวมทั้งสิ้น %1 ใช่หรือไม่ ระบบจะส่งแต่ละรายการเพียงครั้งเดียวทีละรายการ และยกเลิกภายหลังไม่ได้</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%1 of %n charge(s) refunded.</source>
            <translation>
                <numerusform>คืนเงินแล้ว %1 จาก %n รายการชำระเงิน</numerusform>
            </translation>
        </message>
        <message>
            <source>Confirm the refunds</source>
            <translation>ยืนยันการคืนเงิน</translation>
        </message>
        <message>
            <source>Refunded (%1)</source>
            <translation>คืนเงินแล้ว (%1)</translation>
        </message>
        <message>
            <source>Refused by Opn: %1</source>
            <translation>Opn ปฏิเสธ: %1</translation>
        </message>
        <message>
            <source>Not sent</source>
            <translation>ยังไม่ได้ส่ง</translation>
        </message>
        <message>
            <source>Not sent: Opn could not be reached</source>
            <translation>ยังไม่ได้ส่ง: ติดต่อ Opn ไม่ได้</translation>
        </message>
        <message>
            <source>Not confirmed yet: opn-desk will check again</source>
            <translation>ยังไม่ได้รับการยืนยัน: opn-desk จะตรวจสอบอีกครั้ง</translation>
        </message>
    </context>
    <context>
        <name>CaptureDialog</name>
        <message>
            <source>Capture %1</source>
            <translation>เรียกเก็บเงิน %1</translation>
        </message>
        <message>
            <source>Authorized</source>
            <translation>วงเงินที่อนุมัติ</translation>
        </message>
        <message>
            <source>Kind</source>
            <translation>ประเภท</translation>
        </message>
        <message>
            <source>Authorization lapses</source>
            <translation>การอนุมัติวงเงินหมดอายุ</translation>
        </message>
        <message>
            <source>The whole amount</source>
            <translation>เต็มจำนวน</translation>
        </message>
        <message>
            <source>Capture</source>
            <translation>เรียกเก็บเงิน</translation>
        </message>
        <message>
            <source>A charge can be captured only once: whatever is not captured is released to the customer at once.</source>
            <translation>รายการชำระเงินหนึ่งเรียกเก็บเงินได้เพียงครั้งเดียว ส่วนที่ไม่ได้เรียกเก็บจะปล่อยคืนให้ลูกค้าทันที</translation>
        </message>
        <message>
            <source>Capture…</source>
            <translation>เรียกเก็บเงิน…</translation>
        </message>
        <message>
            <source>Release…</source>
            <translation>ปล่อยวงเงินคืน…</translation>
        </message>
        <message>
            <source>Pre-authorization: may be captured in part</source>
            <translation>การอนุมัติวงเงินล่วงหน้า: เรียกเก็บบางส่วนได้</translation>
        </message>
        <message>
            <source>Final authorization: captured in full only</source>
            <translation>การอนุมัติวงเงินขั้นสุดท้าย: เรียกเก็บได้เต็มจำนวนเท่านั้น</translation>
        </message>
        <message>
            <source>Unknown</source>
            <translation>ไม่ทราบ</translation>
        </message>
        <message>
            <source>%1 (lapsed)</source>
            <translation>%1 (หมดอายุแล้ว)</translation>
        </message>
        <message>
            <source>Capture %1 of charge %2 and release %3 back to the customer? A charge can be captured only once.</source>
            <translation>เรียกเก็บเงิน %1 จากรายการชำระเงิน %2 และปล่อย %3 คืนให้ลูกค้าใช่หรือไม่ รายการชำระเงินหนึ่งเรียกเก็บเงินได้เพียงครั้งเดียว</translation>
        </message>
        <message>
            <source>Confirm the capture</source>
            <translation>ยืนยันการเรียกเก็บเงิน</translation>
        </message>
        <message>
            <source>Release the whole authorization of %1 on charge %2? Nothing will be captured, and this cannot be undone.</source>
            <translation>ปล่อยวงเงินที่อนุมัติทั้งหมด %1 ของรายการชำระเงิน %2 คืนใช่หรือไม่ จะไม่มีการเรียกเก็บเงินใด ๆ และยกเลิกภายหลังไม่ได้</translation>
        </message>
        <message>
            <source>Confirm the release</source>
            <translation>ยืนยันการปล่อยวงเงินคืน</translation>
        </message>
        <message>
            <source>Sending to Opn…</source>
            <translation>กำลังส่งไปยัง Opn…</translation>
        </message>
        <message numerus="yes">
            <source>%1 (in %n hour(s))</source>
            <translation>
                <numerusform>%1 (อีก %n ชั่วโมง)</numerusform>
            </translation>
        </message>
        <message>
            <source>Another change to this charge is being sent right now. Wait for it to finish, then look at the charge again.</source>
            <translation>กำลังส่งการเปลี่ยนแปลงอื่นของรายการชำระเงินนี้อยู่ โปรดรอให้เสร็จ แล้วดูรายการชำระเงินนี้อีกครั้ง</translation>
        </message>
    </context>
    <context>
        <name>CaptureTab</name>
        <message>
            <source>Capture or release…</source>
            <translation>เรียกเก็บเงินหรือปล่อยวงเงินคืน…</translation>
        </message>
        <message>
            <source>Authorizations waiting for capture: %1</source>
            <translation>การอนุมัติวงเงินที่รอเรียกเก็บเงิน: %1</translation>
        </message>
    </context>
    <context>
        <name>CaptureTableModel</name>
        <message>
            <source>Lapses</source>
            <translation>หมดอายุเมื่อ</translation>
        </message>
        <message>
            <source>Time left</source>
            <translation>เวลาที่เหลือ</translation>
        </message>
        <message>
            <source>Charge</source>
            <translation>รายการชำระเงิน</translation>
        </message>
        <message>
            <source>Authorized</source>
            <translation>วงเงินที่อนุมัติ</translation>
        </message>
        <message>
            <source>Kind</source>
            <translation>ประเภท</translation>
        </message>
        <message>
            <source>Card</source>
            <translation>บัตร</translation>
        </message>
        <message>
            <source>Description</source>
            <translation>คำอธิบาย</translation>
        </message>
        <message>
            <source>Lapsed</source>
            <translation>หมดอายุแล้ว</translation>
        </message>
        <message numerus="yes">
            <source>%n day(s)</source>
            <translation>
                <numerusform>%n วัน</numerusform>
            </translation>
        </message>
        <message>
            <source>Final authorization</source>
            <translation>การอนุมัติวงเงินขั้นสุดท้าย</translation>
        </message>
        <message>
            <source>Pre-authorization</source>
            <translation>การอนุมัติวงเงินล่วงหน้า</translation>
        </message>
        <message>
            <source>%1 h %2 min</source>
            <translation>%1 ชม. %2 นาที</translation>
        </message>
    </context>
    <context>
        <name>ChargeDetailPane</name>
        <message>
            <source>No charge selected</source>
            <translation>ยังไม่ได้เลือกรายการชำระเงิน</translation>
        </message>
        <message>
            <source>Pick a charge in the table to see it here.</source>
            <translation>เลือกรายการชำระเงินในตารางเพื่อดูรายละเอียดที่นี่</translation>
        </message>
        <message>
            <source>Refund…</source>
            <translation>คืนเงิน…</translation>
        </message>
        <message>
            <source>Capture…</source>
            <translation>เรียกเก็บเงิน…</translation>
        </message>
        <message>
            <source>Date</source>
            <translation>วันที่</translation>
        </message>
        <message>
            <source>Refund</source>
            <translation>รายการคืนเงิน</translation>
        </message>
        <message>
            <source>Amount</source>
            <translation>จำนวนเงิน</translation>
        </message>
        <message>
            <source>Status</source>
            <translation>สถานะ</translation>
        </message>
        <message>
            <source>Key</source>
            <translation>คีย์</translation>
        </message>
        <message>
            <source>Value</source>
            <translation>ค่า</translation>
        </message>
        <message>
            <source>When</source>
            <translation>เมื่อ</translation>
        </message>
        <message>
            <source>What</source>
            <translation>เหตุการณ์</translation>
        </message>
        <message>
            <source>Detail</source>
            <translation>รายละเอียด</translation>
        </message>
        <message>
            <source>Who</source>
            <translation>ผู้ดำเนินการ</translation>
        </message>
        <message>
            <source>Refunds</source>
            <translation>การคืนเงิน</translation>
        </message>
        <message>
            <source>Dispute</source>
            <translation>ข้อโต้แย้งการชำระเงิน</translation>
        </message>
        <message>
            <source>Metadata</source>
            <translation>เมทาดาทา</translation>
        </message>
        <message>
            <source>Timeline</source>
            <translation>ลำดับเหตุการณ์</translation>
        </message>
        <message>
            <source>This charge is no longer in the cache.</source>
            <translation>รายการชำระเงินนี้ไม่มีอยู่ในข้อมูลในเครื่องแล้ว</translation>
        </message>
        <message>
            <source>refundable</source>
            <translation>คืนเงินได้</translation>
        </message>
        <message>
            <source>full refunds only</source>
            <translation>คืนเงินเต็มจำนวนเท่านั้น</translation>
        </message>
        <message>
            <source>awaiting capture</source>
            <translation>รอเรียกเก็บเงิน</translation>
        </message>
        <message>
            <source>voided</source>
            <translation>ยกเลิกรายการแล้ว</translation>
        </message>
        <message>
            <source>reversed</source>
            <translation>ปล่อยวงเงินคืนแล้ว</translation>
        </message>
        <message>
            <source>disputed</source>
            <translation>มีข้อโต้แย้ง</translation>
        </message>
        <message>
            <source>deleted upstream</source>
            <translation>ถูกลบที่ Opn แล้ว</translation>
        </message>
        <message>
            <source>Captured</source>
            <translation>เรียกเก็บแล้ว</translation>
        </message>
        <message>
            <source>Refunded</source>
            <translation>คืนเงินแล้ว</translation>
        </message>
        <message>
            <source>Remaining</source>
            <translation>คงเหลือ</translation>
        </message>
        <message>
            <source>Fee</source>
            <translation>ค่าธรรมเนียม</translation>
        </message>
        <message>
            <source>VAT on fee</source>
            <translation>ภาษีมูลค่าเพิ่มของค่าธรรมเนียม</translation>
        </message>
        <message>
            <source>Net</source>
            <translation>ยอดสุทธิ</translation>
        </message>
        <message>
            <source>Paid with</source>
            <translation>ชำระด้วย</translation>
        </message>
        <message>
            <source>Customer</source>
            <translation>ลูกค้า</translation>
        </message>
        <message>
            <source>Description</source>
            <translation>คำอธิบาย</translation>
        </message>
        <message>
            <source>Created</source>
            <translation>สร้างเมื่อ</translation>
        </message>
        <message>
            <source>Paid</source>
            <translation>ชำระเมื่อ</translation>
        </message>
        <message>
            <source>Failure</source>
            <translation>สาเหตุที่ล้มเหลว</translation>
        </message>
        <message>
            <source>Transaction</source>
            <translation>ธุรกรรม</translation>
        </message>
        <message>
            <source>%1 (void)</source>
            <translation>%1 (ยกเลิกรายการ)</translation>
        </message>
        <message>
            <source>No refunds</source>
            <translation>ไม่มีการคืนเงิน</translation>
        </message>
        <message>
            <source>No dispute.</source>
            <translation>ไม่มีข้อโต้แย้งการชำระเงิน</translation>
        </message>
        <message>
            <source>%1, %2 for %3, opened %4.</source>
            <translation>%1, %2 จำนวน %3 เปิดเมื่อ %4</translation>
        </message>
        <message>
            <source>Reason: %1.</source>
            <translation>เหตุผล: %1</translation>
        </message>
        <message>
            <source>Closed %1.</source>
            <translation>ปิดเมื่อ %1</translation>
        </message>
        <message>
            <source>%1 (here)</source>
            <translation>%1 (รายการนี้)</translation>
        </message>
        <message>
            <source>%1 ending %2</source>
            <translation>%1 ลงท้าย %2</translation>
        </message>
        <message>
            <source>Authorization expires</source>
            <translation>การอนุมัติวงเงินหมดอายุ</translation>
        </message>
        <message>
            <source>Expires</source>
            <translation>หมดอายุ</translation>
        </message>
        <message>
            <source>This charge could not be read from the cache.</source>
            <translation>อ่านรายการชำระเงินนี้จากข้อมูลในเครื่องไม่ได้</translation>
        </message>
    </context>
    <context>
        <name>ChargeFilterBar</name>
        <message>
            <source>Search by charge, refund, dispute or transaction id, order id, metadata value or words of the description</source>
            <translation>ค้นหาด้วยรหัสรายการชำระเงิน การคืนเงิน ข้อโต้แย้ง หรือธุรกรรม รหัสคำสั่งซื้อ ค่าเมทาดาทา หรือคำในคำอธิบาย</translation>
        </message>
        <message>
            <source>Any status</source>
            <translation>ทุกสถานะ</translation>
        </message>
        <message>
            <source>Any payment method</source>
            <translation>ทุกวิธีการชำระเงิน</translation>
        </message>
        <message>
            <source>Any currency</source>
            <translation>ทุกสกุลเงิน</translation>
        </message>
        <message>
            <source>Any card brand</source>
            <translation>บัตรทุกแบรนด์</translation>
        </message>
        <message>
            <source>Refunded or not</source>
            <translation>ทุกสถานะการคืนเงิน</translation>
        </message>
        <message>
            <source>Not refunded</source>
            <translation>ยังไม่คืนเงิน</translation>
        </message>
        <message>
            <source>Partly refunded</source>
            <translation>คืนเงินบางส่วน</translation>
        </message>
        <message>
            <source>Fully refunded</source>
            <translation>คืนเงินเต็มจำนวน</translation>
        </message>
        <message>
            <source>Disputed or not</source>
            <translation>ทุกสถานะข้อโต้แย้ง</translation>
        </message>
        <message>
            <source>Disputed</source>
            <translation>มีข้อโต้แย้ง</translation>
        </message>
        <message>
            <source>Not disputed</source>
            <translation>ไม่มีข้อโต้แย้ง</translation>
        </message>
        <message>
            <source>Any metadata</source>
            <translation>เมทาดาทาใดก็ได้</translation>
        </message>
        <message>
            <source>Value</source>
            <translation>ค่า</translation>
        </message>
        <message>
            <source>Any start</source>
            <translation>ไม่กำหนดวันเริ่ม</translation>
        </message>
        <message>
            <source>Any end</source>
            <translation>ไม่กำหนดวันสิ้นสุด</translation>
        </message>
        <message>
            <source>Least amount</source>
            <translation>จำนวนเงินต่ำสุด</translation>
        </message>
        <message>
            <source>Most amount</source>
            <translation>จำนวนเงินสูงสุด</translation>
        </message>
        <message>
            <source>Show deleted charges</source>
            <translation>แสดงรายการชำระเงินที่ถูกลบ</translation>
        </message>
        <message>
            <source>Clear filters</source>
            <translation>ล้างตัวกรอง</translation>
        </message>
        <message>
            <source>Created</source>
            <translation>สร้างเมื่อ</translation>
        </message>
        <message>
            <source>Amount</source>
            <translation>จำนวนเงิน</translation>
        </message>
        <message>
            <source>Pick a currency to filter by amount.</source>
            <translation>เลือกสกุลเงินก่อนกรองตามจำนวนเงิน</translation>
        </message>
        <message>
            <source>The least amount is more than the most amount.</source>
            <translation>จำนวนเงินต่ำสุดมากกว่าจำนวนเงินสูงสุด</translation>
        </message>
        <message>
            <source>The start date is after the end date.</source>
            <translation>วันเริ่มอยู่หลังวันสิ้นสุด</translation>
        </message>
        <message>
            <source>%1 has no decimals: type a whole amount, such as 1500.</source>
            <translation>%1 ไม่มีทศนิยม: พิมพ์จำนวนเต็ม เช่น 1500</translation>
        </message>
        <message>
            <source>%1 has %2 decimals: type an amount such as 1,234.50.</source>
            <translation>%1 มีทศนิยม %2 ตำแหน่ง: พิมพ์จำนวนเงิน เช่น 1,234.50</translation>
        </message>
        <message>
            <source>“%1” is not an amount: type digits, such as 1,234.50.</source>
            <translation>“%1” ไม่ใช่จำนวนเงิน: พิมพ์เป็นตัวเลข เช่น 1,234.50</translation>
        </message>
    </context>
    <context>
        <name>ChargeWriteDialog</name>
        <message>
            <source>Part of it:</source>
            <translation>บางส่วน:</translation>
        </message>
        <message>
            <source>Reading the charge from Opn…</source>
            <translation>กำลังอ่านรายการชำระเงินจาก Opn…</translation>
        </message>
    </context>
    <context>
        <name>ColumnChooser</name>
        <message>
            <source>Columns</source>
            <translation>คอลัมน์</translation>
        </message>
    </context>
    <context>
        <name>CrashDialog</name>
        <message>
            <source>opn-desk met an unexpected error</source>
            <translation>opn-desk พบข้อผิดพลาดที่ไม่คาดคิด</translation>
        </message>
        <message>
            <source>Something went wrong that opn-desk did not expect. What was saved stays saved; you can go on working. If it happens again, copy this report and send it to your support contact.</source>
            <translation>เกิดปัญหาที่ opn-desk ไม่ได้คาดไว้ สิ่งที่บันทึกแล้วยังอยู่ครบ คุณทำงานต่อได้ หากเกิดขึ้นอีก โปรดคัดลอกรายงานนี้และส่งให้ผู้ดูแลที่คุณติดต่อ</translation>
        </message>
        <message>
            <source>Copy report</source>
            <translation>คัดลอกรายงาน</translation>
        </message>
    </context>
    <context>
        <name>DateField</name>
        <message>
            <source>year-month-day</source>
            <translation>ปี-เดือน-วัน</translation>
        </message>
        <message>
            <source>Pick the date on a calendar</source>
            <translation>เลือกวันที่จากปฏิทิน</translation>
        </message>
    </context>
    <context>
        <name>DisputesTab</name>
        <message>
            <source>Choose the currency of the amount range, next to it.</source>
            <translation>เลือกสกุลเงินของช่วงจำนวนเงินที่อยู่ข้าง ๆ</translation>
        </message>
        <message>
            <source>Enter the amounts in %1 as numbers, like %2, or leave them empty.</source>
            <translation>ใส่จำนวนเงินสกุล %1 เป็นตัวเลข เช่น %2 หรือเว้นว่างไว้</translation>
        </message>
        <message>
            <source>Disputes</source>
            <translation>ข้อโต้แย้งการชำระเงิน</translation>
        </message>
        <message>
            <source>No cached dispute has the id, charge id or order id %1. Check it, or sync and search again.</source>
            <translation>ไม่พบข้อโต้แย้งการชำระเงินในข้อมูลในเครื่องที่มีรหัส รหัสรายการชำระเงิน หรือรหัสคำสั่งซื้อ %1 โปรดตรวจสอบ หรือซิงค์แล้วค้นหาอีกครั้ง</translation>
        </message>
        <message>
            <source>All statuses</source>
            <translation>ทุกสถานะ</translation>
        </message>
        <message>
            <source>Closed (won or lost)</source>
            <translation>ปิดแล้ว (ชนะหรือแพ้)</translation>
        </message>
        <message>
            <source>All reasons</source>
            <translation>ทุกเหตุผล</translation>
        </message>
        <message>
            <source>All payment methods</source>
            <translation>ทุกวิธีการชำระเงิน</translation>
        </message>
        <message>
            <source>All card brands</source>
            <translation>บัตรทุกแบรนด์</translation>
        </message>
        <message>
            <source>Any deadline</source>
            <translation>ไม่กำหนดเส้นตาย</translation>
        </message>
        <message>
            <source>Due within </source>
            <translation>ครบกำหนดภายใน </translation>
        </message>
        <message>
            <source> days</source>
            <translation> วัน</translation>
        </message>
        <message>
            <source>Lowest amount</source>
            <translation>จำนวนเงินต่ำสุด</translation>
        </message>
        <message>
            <source>Highest amount</source>
            <translation>จำนวนเงินสูงสุด</translation>
        </message>
        <message>
            <source>The currency of the amount range; only its disputes show.</source>
            <translation>สกุลเงินของช่วงจำนวนเงิน จะแสดงเฉพาะข้อโต้แย้งในสกุลเงินนี้</translation>
        </message>
        <message>
            <source>All currencies</source>
            <translation>ทุกสกุลเงิน</translation>
        </message>
        <message>
            <source>Opened between:</source>
            <translation>เปิดระหว่าง:</translation>
        </message>
        <message>
            <source>Dispute id, charge id or order id, then Enter</source>
            <translation>รหัสข้อโต้แย้ง รหัสรายการชำระเงิน หรือรหัสคำสั่งซื้อ แล้วกด Enter</translation>
        </message>
        <message>
            <source>Answer within </source>
            <translation>ตอบภายใน </translation>
        </message>
        <message>
            <source> days of opening</source>
            <translation> วันนับจากวันที่เปิด</translation>
        </message>
        <message>
            <source>Clear filters</source>
            <translation>ล้างตัวกรอง</translation>
        </message>
        <message>
            <source>The disputes could not be read from the cache. The details are in the log; the list is read again after the next sync.</source>
            <translation>อ่านข้อโต้แย้งการชำระเงินจากข้อมูลในเครื่องไม่ได้ รายละเอียดอยู่ในล็อก ระบบจะอ่านรายการใหม่หลังการซิงค์ครั้งถัดไป</translation>
        </message>
        <message>
            <source>Disputes shown: %1 of %2</source>
            <translation>ข้อโต้แย้งที่แสดง: %1 จาก %2</translation>
        </message>
    </context>
    <context>
        <name>DisputesTableModel</name>
        <message>
            <source>Answer by</source>
            <translation>ตอบภายใน</translation>
        </message>
        <message>
            <source>Status</source>
            <translation>สถานะ</translation>
        </message>
        <message>
            <source>Reason</source>
            <translation>เหตุผล</translation>
        </message>
        <message>
            <source>Amount</source>
            <translation>จำนวนเงิน</translation>
        </message>
        <message>
            <source>Charge</source>
            <translation>รายการชำระเงิน</translation>
        </message>
        <message>
            <source>Customer</source>
            <translation>ลูกค้า</translation>
        </message>
        <message>
            <source>Opened</source>
            <translation>เปิดเมื่อ</translation>
        </message>
        <message>
            <source>Dispute</source>
            <translation>ข้อโต้แย้งการชำระเงิน</translation>
        </message>
        <message>
            <source>Open</source>
            <translation>เปิดอยู่</translation>
        </message>
        <message>
            <source>Pending</source>
            <translation>รอดำเนินการ</translation>
        </message>
        <message>
            <source>Won</source>
            <translation>ชนะ</translation>
        </message>
        <message>
            <source>Lost</source>
            <translation>แพ้</translation>
        </message>
        <message>
            <source>The customer says a subscription was cancelled</source>
            <translation>ลูกค้าแจ้งว่ายกเลิกการสมัครสมาชิกแล้ว</translation>
        </message>
        <message>
            <source>The customer says a promised refund never came</source>
            <translation>ลูกค้าแจ้งว่าไม่ได้รับเงินคืนตามที่สัญญาไว้</translation>
        </message>
        <message>
            <source>The customer says they were charged twice</source>
            <translation>ลูกค้าแจ้งว่าถูกเรียกเก็บเงินซ้ำ</translation>
        </message>
        <message>
            <source>The card had expired when it was charged</source>
            <translation>บัตรหมดอายุแล้วในขณะที่เรียกเก็บเงิน</translation>
        </message>
        <message>
            <source>The customer says the order never arrived</source>
            <translation>ลูกค้าแจ้งว่าไม่ได้รับสินค้า</translation>
        </message>
        <message>
            <source>The customer says the currency was wrong</source>
            <translation>ลูกค้าแจ้งว่าสกุลเงินไม่ถูกต้อง</translation>
        </message>
        <message>
            <source>The customer says the amount was wrong</source>
            <translation>ลูกค้าแจ้งว่าจำนวนเงินไม่ถูกต้อง</translation>
        </message>
        <message>
            <source>The charge was settled too late</source>
            <translation>รายการชำระเงินถูกชำระบัญชีช้าเกินไป</translation>
        </message>
        <message>
            <source>The card number does not match the account</source>
            <translation>หมายเลขบัตรไม่ตรงกับบัญชี</translation>
        </message>
        <message>
            <source>The customer says the goods were faulty or not as described</source>
            <translation>ลูกค้าแจ้งว่าสินค้าชำรุดหรือไม่ตรงตามที่ระบุ</translation>
        </message>
        <message>
            <source>The bank gave no reason</source>
            <translation>ธนาคารไม่ได้ให้เหตุผล</translation>
        </message>
        <message>
            <source>The bank recorded no reason</source>
            <translation>ธนาคารไม่ได้บันทึกเหตุผล</translation>
        </message>
        <message>
            <source>Another reason</source>
            <translation>เหตุผลอื่น</translation>
        </message>
        <message>
            <source>The customer says they paid another way</source>
            <translation>ลูกค้าแจ้งว่าชำระเงินด้วยวิธีอื่นแล้ว</translation>
        </message>
        <message>
            <source>The cardholder does not recognise the charge</source>
            <translation>ผู้ถือบัตรไม่รู้จักรายการชำระเงินนี้</translation>
        </message>
        <message>
            <source>The cardholder says they did not make it (fraud)</source>
            <translation>ผู้ถือบัตรแจ้งว่าไม่ได้ทำรายการนี้ (ทุจริต)</translation>
        </message>
        <message>
            <source>No reason given</source>
            <translation>ไม่ได้ระบุเหตุผล</translation>
        </message>
        <message>
            <source>%1 left</source>
            <translation>เหลือ %1</translation>
        </message>
        <message>
            <source>overdue by %1</source>
            <translation>เลยกำหนดมา %1</translation>
        </message>
        <message>
            <source>%1 h %2 min</source>
            <translation>%1 ชม. %2 นาที</translation>
        </message>
        <message>
            <source>%1 d %2 h</source>
            <translation>%1 วัน %2 ชม.</translation>
        </message>
    </context>
    <context>
        <name>EvidenceForm</name>
        <message>
            <source>What did the customer buy, and when?</source>
            <translation>ลูกค้าซื้ออะไร และเมื่อใด</translation>
        </message>
        <message>
            <source>How was it delivered? Give the carrier and tracking number, and attach the signed delivery slip.</source>
            <translation>จัดส่งอย่างไร ระบุบริษัทขนส่งและหมายเลขพัสดุ และแนบใบรับสินค้าที่มีลายเซ็น</translation>
        </message>
        <message>
            <source>What did you and the customer say to each other? Attach the messages or emails.</source>
            <translation>คุณและลูกค้าสื่อสารอะไรกันบ้าง แนบข้อความหรืออีเมล</translation>
        </message>
        <message>
            <source>What is your refund and return policy, and did the customer use it? Attach the policy as shown at checkout.</source>
            <translation>นโยบายการคืนเงินและคืนสินค้าของคุณคืออะไร และลูกค้าได้ใช้สิทธิ์นั้นหรือไม่ แนบนโยบายตามที่แสดงตอนชำระเงิน</translation>
        </message>
        <message>
            <source>Did the customer cancel before this charge? Attach your record of the subscription and its cancellation terms.</source>
            <translation>ลูกค้ายกเลิกก่อนรายการชำระเงินนี้หรือไม่ แนบบันทึกการสมัครสมาชิกและเงื่อนไขการยกเลิก</translation>
        </message>
        <message>
            <source>Why is this charge not a duplicate or paid another way? Attach both receipts and say what each one was for.</source>
            <translation>เหตุใดรายการชำระเงินนี้จึงไม่ใช่รายการซ้ำหรือชำระด้วยวิธีอื่น แนบใบเสร็จทั้งสองใบและระบุว่าแต่ละใบเป็นค่าอะไร</translation>
        </message>
        <message>
            <source>What shows the cardholder made this purchase (3-D Secure, address, earlier orders)? Attach the proof.</source>
            <translation>มีอะไรแสดงว่าผู้ถือบัตรเป็นผู้ซื้อครั้งนี้ (3-D Secure ที่อยู่ คำสั่งซื้อก่อนหน้า) แนบหลักฐาน</translation>
        </message>
        <message>
            <source>What amount and currency did the customer agree to? Attach the invoice or order confirmation.</source>
            <translation>ลูกค้าตกลงจำนวนเงินและสกุลเงินใด แนบใบแจ้งหนี้หรือการยืนยันคำสั่งซื้อ</translation>
        </message>
        <message>
            <source>Anything else the bank should know?</source>
            <translation>มีอะไรอื่นที่ธนาคารควรทราบหรือไม่</translation>
        </message>
        <message>
            <source>what was sold</source>
            <translation>สินค้าที่ขาย</translation>
        </message>
        <message>
            <source>delivery proof</source>
            <translation>หลักฐานการจัดส่ง</translation>
        </message>
        <message>
            <source>customer communication</source>
            <translation>การสื่อสารกับลูกค้า</translation>
        </message>
        <message>
            <source>refund policy</source>
            <translation>นโยบายการคืนเงิน</translation>
        </message>
        <message>
            <source>cancellation</source>
            <translation>การยกเลิก</translation>
        </message>
        <message>
            <source>duplicate explanation</source>
            <translation>คำอธิบายเรื่องรายการซ้ำ</translation>
        </message>
        <message>
            <source>proof of authorization</source>
            <translation>หลักฐานการอนุมัติ</translation>
        </message>
        <message>
            <source>amount agreed</source>
            <translation>จำนวนเงินที่ตกลงกัน</translation>
        </message>
        <message>
            <source>other facts</source>
            <translation>ข้อเท็จจริงอื่น</translation>
        </message>
        <message>
            <source>Your answer</source>
            <translation>คำตอบของคุณ</translation>
        </message>
        <message>
            <source>Documents</source>
            <translation>เอกสาร</translation>
        </message>
        <message>
            <source>Add files…</source>
            <translation>เพิ่มไฟล์…</translation>
        </message>
        <message>
            <source>Remove</source>
            <translation>นำออก</translation>
        </message>
        <message>
            <source>Or drop PNG, JPEG or PDF files here (10 MB at most each).</source>
            <translation>หรือลากไฟล์ PNG, JPEG หรือ PDF มาวางที่นี่ (ไม่เกินไฟล์ละ 10 MB)</translation>
        </message>
        <message>
            <source>The next files prove:</source>
            <translation>ไฟล์ที่จะเพิ่มเป็นหลักฐานของ:</translation>
        </message>
        <message>
            <source>Ready for review</source>
            <translation>พร้อมตรวจทาน</translation>
        </message>
        <message>
            <source>Submit to Opn…</source>
            <translation>ส่งให้ Opn…</translation>
        </message>
        <message>
            <source>Why you accept the dispute (kept in the audit log)</source>
            <translation>เหตุผลที่คุณยอมรับข้อโต้แย้ง (เก็บไว้ในบันทึกการตรวจสอบ)</translation>
        </message>
        <message>
            <source>Accept the dispute…</source>
            <translation>ยอมรับข้อโต้แย้ง…</translation>
        </message>
        <message>
            <source>Select a dispute to answer it.</source>
            <translation>เลือกข้อโต้แย้งการชำระเงินเพื่อตอบ</translation>
        </message>
        <message>
            <source>The case in general</source>
            <translation>ภาพรวมของกรณี</translation>
        </message>
        <message>
            <source>Dispute %1 on charge %2</source>
            <translation>ข้อโต้แย้ง %1 ของรายการชำระเงิน %2</translation>
        </message>
        <message>
            <source>Status: %1</source>
            <translation>สถานะ: %1</translation>
        </message>
        <message>
            <source>Reason: %1</source>
            <translation>เหตุผล: %1</translation>
        </message>
        <message>
            <source>Amount: %1</source>
            <translation>จำนวนเงิน: %1</translation>
        </message>
        <message>
            <source>Customer: %1</source>
            <translation>ลูกค้า: %1</translation>
        </message>
        <message>
            <source>Opn takes evidence only while a dispute is open; this one is %1, so the form is read-only.</source>
            <translation>Opn รับหลักฐานเฉพาะขณะที่ข้อโต้แย้งยังเปิดอยู่ ข้อโต้แย้งนี้มีสถานะ %1 จึงแก้ไขแบบฟอร์มไม่ได้</translation>
        </message>
        <message>
            <source>Documents at Opn: %1</source>
            <translation>เอกสารที่ Opn: %1</translation>
        </message>
        <message>
            <source>Answer by: %1</source>
            <translation>ตอบภายใน: %1</translation>
        </message>
        <message>
            <source>Answer by: %1 (%2)</source>
            <translation>ตอบภายใน: %1 (%2)</translation>
        </message>
        <message>
            <source>the case in general</source>
            <translation>ภาพรวมของกรณี</translation>
        </message>
        <message>
            <source>%1 (%2 bytes) — proves %3</source>
            <translation>%1 (%2 ไบต์) — หลักฐานของ%3</translation>
        </message>
        <message>
            <source>Draft, saved on this computer's cache.</source>
            <translation>ฉบับร่าง บันทึกไว้ในข้อมูลของเครื่องนี้</translation>
        </message>
        <message>
            <source>Ready for review.</source>
            <translation>พร้อมตรวจทาน</translation>
        </message>
        <message>
            <source>Submitted to Opn.</source>
            <translation>ส่งให้ Opn แล้ว</translation>
        </message>
        <message>
            <source>Add evidence files</source>
            <translation>เพิ่มไฟล์หลักฐาน</translation>
        </message>
        <message>
            <source>Evidence (*.png *.jpg *.jpeg *.pdf);;All files (*)</source>
            <translation>หลักฐาน (*.png *.jpg *.jpeg *.pdf);;ไฟล์ทั้งหมด (*)</translation>
        </message>
        <message>
            <source>%1 is kept with the draft.</source>
            <translation>เก็บ %1 ไว้กับฉบับร่างแล้ว</translation>
        </message>
        <message>
            <source>%1 could not be read. Check that it still exists and that you may open it, then add it again.</source>
            <translation>อ่าน %1 ไม่ได้ ตรวจสอบว่าไฟล์ยังอยู่และคุณมีสิทธิ์เปิด แล้วเพิ่มอีกครั้ง</translation>
        </message>
        <message>
            <source>Answer at least one question first: Opn needs a message to review the evidence.</source>
            <translation>ตอบคำถามอย่างน้อยหนึ่งข้อก่อน: Opn ต้องมีข้อความเพื่อพิจารณาหลักฐาน</translation>
        </message>
        <message>
            <source>• %1 (%2 bytes)</source>
            <translation>• %1 (%2 ไบต์)</translation>
        </message>
        <message>
            <source>(no documents)</source>
            <translation>(ไม่มีเอกสาร)</translation>
        </message>
        <message>
            <source>Confirm the answer to the dispute</source>
            <translation>ยืนยันคำตอบข้อโต้แย้งการชำระเงิน</translation>
        </message>
        <message>
            <source>Send this answer to Opn for dispute %1? Opn will review it and the dispute becomes pending; it cannot be changed afterwards.

Documents:
%2</source>
            <translation>ส่งคำตอบนี้ให้ Opn สำหรับข้อโต้แย้ง %1 ใช่หรือไม่ Opn จะพิจารณาและข้อโต้แย้งจะเปลี่ยนเป็นรอดำเนินการ หลังจากนั้นแก้ไขไม่ได้

เอกสาร:
%2</translation>
        </message>
        <message>
            <source>Message:
%1</source>
            <translation>ข้อความ:
%1</translation>
        </message>
        <message>
            <source>Sending the documents and the message to Opn…</source>
            <translation>กำลังส่งเอกสารและข้อความให้ Opn…</translation>
        </message>
        <message numerus="yes">
            <source>Sent to Opn: %n document(s) and the message. The dispute is now %1.</source>
            <translation>
                <numerusform>ส่งให้ Opn แล้ว: เอกสาร %n ฉบับและข้อความ ข้อโต้แย้งตอนนี้มีสถานะ %1</numerusform>
            </translation>
        </message>
        <message>
            <source>Opn takes evidence only while a dispute is open, and this one is now %1. Nothing was sent; sync to see its state.</source>
            <translation>Opn รับหลักฐานเฉพาะขณะที่ข้อโต้แย้งยังเปิดอยู่ และข้อโต้แย้งนี้ตอนนี้มีสถานะ %1 ไม่มีสิ่งใดถูกส่ง ซิงค์เพื่อดูสถานะล่าสุด</translation>
        </message>
        <message>
            <source>The answer was only partly sent: %1 What was sent stays sent; submit again to send the rest.</source>
            <translation>ส่งคำตอบได้เพียงบางส่วน: %1 ส่วนที่ส่งแล้วยังคงอยู่ ส่งอีกครั้งเพื่อส่งส่วนที่เหลือ</translation>
        </message>
        <message>
            <source>Another write on this dispute is still being sent. Wait for it to finish, then submit again.</source>
            <translation>ยังมีการบันทึกอื่นของข้อโต้แย้งนี้กำลังส่งอยู่ โปรดรอให้เสร็จ แล้วส่งอีกครั้ง</translation>
        </message>
        <message>
            <source>Nothing more was sent: %1 The draft is kept.</source>
            <translation>ไม่มีสิ่งใดถูกส่งเพิ่ม: %1 ฉบับร่างยังเก็บไว้</translation>
        </message>
        <message>
            <source>Say why you accept the dispute; the reason is kept with it.</source>
            <translation>ระบุเหตุผลที่ยอมรับข้อโต้แย้ง เหตุผลจะเก็บไว้กับข้อโต้แย้งนั้น</translation>
        </message>
        <message>
            <source>Accept the dispute</source>
            <translation>ยอมรับข้อโต้แย้ง</translation>
        </message>
        <message>
            <source>Accept dispute %1 and give up %2 to the cardholder? The dispute is lost and this cannot be undone.

Reason: %3</source>
            <translation>ยอมรับข้อโต้แย้ง %1 และยอมเสีย %2 ให้ผู้ถือบัตรใช่หรือไม่ ข้อโต้แย้งจะถือว่าแพ้และยกเลิกภายหลังไม่ได้

เหตุผล: %3</translation>
        </message>
        <message>
            <source>Accepting the dispute at Opn…</source>
            <translation>กำลังยอมรับข้อโต้แย้งที่ Opn…</translation>
        </message>
        <message>
            <source>The dispute is accepted and now lost.</source>
            <translation>ยอมรับข้อโต้แย้งแล้ว สถานะเป็นแพ้</translation>
        </message>
        <message>
            <source>%1 is empty. Choose the file that has the evidence.</source>
            <translation>%1 เป็นไฟล์ว่าง เลือกไฟล์ที่มีหลักฐาน</translation>
        </message>
        <message>
            <source>%1 is %2 bytes; Opn takes at most 10 MB (%3 bytes) per file. Scan it at a lower resolution or split it, then add it again.</source>
            <translation>%1 มีขนาด %2 ไบต์ แต่ Opn รับไม่เกิน 10 MB (%3 ไบต์) ต่อไฟล์ สแกนใหม่ที่ความละเอียดต่ำลงหรือแบ่งไฟล์ แล้วเพิ่มอีกครั้ง</translation>
        </message>
        <message>
            <source>%1 is a program, not a document, whatever its name says. Opn takes only PNG, JPEG and PDF files.</source>
            <translation>%1 เป็นโปรแกรม ไม่ใช่เอกสาร แม้ชื่อไฟล์จะบอกอย่างไร Opn รับเฉพาะไฟล์ PNG, JPEG และ PDF</translation>
        </message>
        <message>
            <source>%1 is an image type Opn does not take (only PNG and JPEG). Save it as PNG or JPEG, then add it again.</source>
            <translation>%1 เป็นรูปภาพชนิดที่ Opn ไม่รับ (รับเฉพาะ PNG และ JPEG) บันทึกเป็น PNG หรือ JPEG แล้วเพิ่มอีกครั้ง</translation>
        </message>
        <message>
            <source>%1 is not a PNG, JPEG or PDF file. Save or print it as a PDF, then add it again.</source>
            <translation>%1 ไม่ใช่ไฟล์ PNG, JPEG หรือ PDF บันทึกหรือพิมพ์เป็น PDF แล้วเพิ่มอีกครั้ง</translation>
        </message>
        <message>
            <source>Nothing is missing: every question has its answer.</source>
            <translation>ครบถ้วนแล้ว: ทุกคำถามมีคำตอบ</translation>
        </message>
        <message>
            <source>Still missing: the answer and a document for %1.</source>
            <translation>ยังขาด: คำตอบและเอกสารสำหรับ%1</translation>
        </message>
        <message>
            <source>Still missing: the answer for %1.</source>
            <translation>ยังขาด: คำตอบสำหรับ%1</translation>
        </message>
        <message>
            <source>Still missing: a document for %1.</source>
            <translation>ยังขาด: เอกสารสำหรับ%1</translation>
        </message>
        <message>
            <source>None of these files was kept with the draft.</source>
            <translation>ไม่มีไฟล์ใดในชุดนี้ถูกเก็บไว้กับฉบับร่าง</translation>
        </message>
        <message>
            <source>Kept with the draft: %1.</source>
            <translation>เก็บไว้กับฉบับร่างแล้ว: %1</translation>
        </message>
    </context>
    <context>
        <name>EvidencePreview</name>
        <message>
            <source>Select a file to see it here.</source>
            <translation>เลือกไฟล์เพื่อดูที่นี่</translation>
        </message>
        <message>
            <source>A preview of this file is not available. It is kept and will be sent as it is.</source>
            <translation>แสดงตัวอย่างไฟล์นี้ไม่ได้ ไฟล์ยังเก็บไว้และจะส่งไปตามเดิม</translation>
        </message>
    </context>
    <context>
        <name>ExportAction</name>
        <message numerus="yes">
            <source>Exporting… %n row(s) written.</source>
            <translation>
                <numerusform>กำลังส่งออก… เขียนแล้ว %n แถว</numerusform>
            </translation>
        </message>
        <message>
            <source>Export…</source>
            <translation>ส่งออก…</translation>
        </message>
        <message>
            <source>Excel workbook (*.xlsx)</source>
            <translation>เวิร์กบุ๊ก Excel (*.xlsx)</translation>
        </message>
        <message>
            <source>CSV, UTF-8 (*.csv)</source>
            <translation>CSV, UTF-8 (*.csv)</translation>
        </message>
        <message>
            <source>Write every row this table shows to a file.</source>
            <translation>เขียนทุกแถวที่ตารางนี้แสดงลงไฟล์</translation>
        </message>
        <message>
            <source>Export the table</source>
            <translation>ส่งออกตาราง</translation>
        </message>
        <message>
            <source>Exporting</source>
            <translation>กำลังส่งออก</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>ยกเลิก</translation>
        </message>
        <message>
            <source>The export was cancelled; no file was written.</source>
            <translation>ยกเลิกการส่งออกแล้ว ไม่มีไฟล์ถูกเขียน</translation>
        </message>
        <message>
            <source>Export</source>
            <translation>ส่งออก</translation>
        </message>
        <message>
            <source>There is nothing to export: no profile is open.</source>
            <translation>ไม่มีอะไรให้ส่งออก: ยังไม่ได้เปิดโปรไฟล์</translation>
        </message>
        <message>
            <source>Cancelling the export…</source>
            <translation>กำลังยกเลิกการส่งออก…</translation>
        </message>
        <message>
            <source>The export failed and no file was written. The log has details.</source>
            <translation>ส่งออกไม่สำเร็จและไม่มีไฟล์ถูกเขียน รายละเอียดอยู่ในล็อก</translation>
        </message>
        <message>
            <source>Exporting to %1…</source>
            <translation>กำลังส่งออกไปที่ %1…</translation>
        </message>
        <message>
            <source>The table was exported to %1.</source>
            <translation>ส่งออกตารางไปที่ %1 แล้ว</translation>
        </message>
        <message>
            <source>The file could not be written (%1). Choose another folder, or close the file if another program has it open.</source>
            <translation>เขียนไฟล์ไม่ได้ (%1) เลือกโฟลเดอร์อื่น หรือปิดไฟล์หากเปิดอยู่ในโปรแกรมอื่น</translation>
        </message>
    </context>
    <context>
        <name>ForecastPane</name>
        <message>
            <source>Per day, next 90 days</source>
            <translation>รายวัน 90 วันข้างหน้า</translation>
        </message>
        <message>
            <source>Per month, next 12 months</source>
            <translation>รายเดือน 12 เดือนข้างหน้า</translation>
        </message>
        <message>
            <source>Export to Excel…</source>
            <translation>ส่งออกเป็น Excel…</translation>
        </message>
        <message>
            <source>Group by</source>
            <translation>จัดกลุ่มตาม</translation>
        </message>
        <message>
            <source>Nothing</source>
            <translation>ไม่จัดกลุ่ม</translation>
        </message>
        <message>
            <source>(not set)</source>
            <translation>(ไม่ได้ตั้งค่า)</translation>
        </message>
        <message>
            <source>No running schedule charges in this period.</source>
            <translation>ไม่มีการเรียกเก็บเงินตามกำหนดการในช่วงเวลานี้</translation>
        </message>
        <message>
            <source>Export the forecast</source>
            <translation>ส่งออกประมาณการ</translation>
        </message>
        <message>
            <source>Forecast</source>
            <translation>ประมาณการ</translation>
        </message>
        <message>
            <source>Exported to %1.</source>
            <translation>ส่งออกไปที่ %1 แล้ว</translation>
        </message>
        <message>
            <source>Period</source>
            <translation>ช่วงเวลา</translation>
        </message>
        <message>
            <source>Group</source>
            <translation>กลุ่ม</translation>
        </message>
        <message>
            <source>Currency</source>
            <translation>สกุลเงิน</translation>
        </message>
        <message>
            <source>Charges</source>
            <translation>รายการชำระเงิน</translation>
        </message>
        <message>
            <source>Amount</source>
            <translation>จำนวนเงิน</translation>
        </message>
    </context>
    <context>
        <name>ItemTableModel</name>
        <message>
            <source>Currency</source>
            <translation>สกุลเงิน</translation>
        </message>
    </context>
    <context>
        <name>LiveBanner</name>
        <message>
            <source>LIVE account %1: refunds and captures made here move real money.</source>
            <translation>บัญชีใช้งานจริง %1: การคืนเงินและการเรียกเก็บเงินที่ทำที่นี่เป็นเงินจริง</translation>
        </message>
        <message>
            <source>LIVE · %1 — opn-desk</source>
            <translation>ใช้งานจริง · %1 — opn-desk</translation>
        </message>
        <message>
            <source>%1 (sandbox) — opn-desk</source>
            <translation>%1 (แซนด์บ็อกซ์) — opn-desk</translation>
        </message>
        <message>
            <source>%1 (test mode) — opn-desk</source>
            <translation>%1 (โหมดทดสอบ) — opn-desk</translation>
        </message>
    </context>
    <context>
        <name>LogWindow</name>
        <message>
            <source>opn-desk log</source>
            <translation>ล็อกของ opn-desk</translation>
        </message>
        <message>
            <source>Could not open the folder. The log is in %1.</source>
            <translation>เปิดโฟลเดอร์ไม่ได้ ล็อกอยู่ที่ %1</translation>
        </message>
        <message>
            <source>Follow new lines</source>
            <translation>ติดตามบรรทัดใหม่</translation>
        </message>
        <message>
            <source>Copy</source>
            <translation>คัดลอก</translation>
        </message>
        <message>
            <source>Open folder</source>
            <translation>เปิดโฟลเดอร์</translation>
        </message>
        <message>
            <source>Show:</source>
            <translation>แสดง:</translation>
        </message>
        <message>
            <source>Could not read the log file %1.</source>
            <translation>อ่านไฟล์ล็อก %1 ไม่ได้</translation>
        </message>
        <message>
            <source>All messages</source>
            <translation>ทุกข้อความ</translation>
        </message>
        <message>
            <source>Information and above</source>
            <translation>ข้อมูลทั่วไปขึ้นไป</translation>
        </message>
        <message>
            <source>Warnings and errors</source>
            <translation>คำเตือนและข้อผิดพลาด</translation>
        </message>
        <message>
            <source>Errors only</source>
            <translation>ข้อผิดพลาดเท่านั้น</translation>
        </message>
    </context>
    <context>
        <name>MainWindow</name>
        <message>
            <source>Operations</source>
            <translation>การดำเนินการ</translation>
        </message>
        <message>
            <source>Sync</source>
            <translation>ซิงค์</translation>
        </message>
        <message>
            <source>Opening %1…</source>
            <translation>กำลังเปิด %1…</translation>
        </message>
        <message>
            <source>Finish or close the open refund or capture first.</source>
            <translation>ทำการคืนเงินหรือการเรียกเก็บเงินที่เปิดอยู่ให้เสร็จหรือปิดก่อน</translation>
        </message>
        <message>
            <source>Closing %1…</source>
            <translation>กำลังปิด %1…</translation>
        </message>
        <message>
            <source>This tab has no table to export.</source>
            <translation>แท็บนี้ไม่มีตารางให้ส่งออก</translation>
        </message>
        <message>
            <source>This tab has no search box.</source>
            <translation>แท็บนี้ไม่มีช่องค้นหา</translation>
        </message>
        <message>
            <source>Select a charge to refund first.</source>
            <translation>เลือกรายการชำระเงินที่จะคืนเงินก่อน</translation>
        </message>
        <message>
            <source>Select the charges to refund first.</source>
            <translation>เลือกรายการชำระเงินที่จะคืนเงินก่อน</translation>
        </message>
        <message>
            <source>Select a charge to capture first.</source>
            <translation>เลือกรายการชำระเงินที่จะเรียกเก็บเงินก่อน</translation>
        </message>
        <message>
            <source>About opn-desk</source>
            <translation>เกี่ยวกับ opn-desk</translation>
        </message>
        <message>
            <source>opn-desk %1: a back office for merchants on Opn Payments.</source>
            <translation>opn-desk %1: ระบบหลังร้านสำหรับร้านค้าที่ใช้ Opn Payments</translation>
        </message>
    </context>
    <context>
        <name>Notifier</name>
        <message numerus="yes">
            <source>%n dispute(s) must be answered within two days</source>
            <translation>
                <numerusform>ข้อโต้แย้งการชำระเงิน %n รายการต้องตอบภายในสองวัน</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n authorization(s) lapse within 24 hours</source>
            <translation>
                <numerusform>การอนุมัติวงเงิน %n รายการจะหมดอายุภายใน 24 ชั่วโมง</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n scheduled charge(s) failed</source>
            <translation>
                <numerusform>การเรียกเก็บเงินตามกำหนดการล้มเหลว %n รายการ</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n operation(s) could not be confirmed</source>
            <translation>
                <numerusform>การดำเนินการ %n รายการยังยืนยันไม่ได้</numerusform>
            </translation>
        </message>
        <message>
            <source>Open the Disputes tab to send evidence: %1</source>
            <translation>เปิดแท็บข้อโต้แย้งการชำระเงินเพื่อส่งหลักฐาน: %1</translation>
        </message>
        <message>
            <source>Capture or release them in the Capture tab: %1</source>
            <translation>เรียกเก็บเงินหรือปล่อยวงเงินคืนในแท็บเรียกเก็บเงิน: %1</translation>
        </message>
        <message>
            <source>See the Schedules tab and contact the customers: %1</source>
            <translation>ดูแท็บกำหนดการและติดต่อลูกค้า: %1</translation>
        </message>
        <message>
            <source>Check them under View &gt; Operations: %1</source>
            <translation>ตรวจสอบที่เมนู มุมมอง &gt; การดำเนินการที่ต้องตรวจสอบ: %1</translation>
        </message>
    </context>
    <context>
        <name>OperationsPanel</name>
        <message>
            <source>Check again</source>
            <translation>ตรวจสอบอีกครั้ง</translation>
        </message>
        <message>
            <source>Operations listed: %1</source>
            <translation>การดำเนินการในรายการ: %1</translation>
        </message>
        <message>
            <source>No operation needs your attention.</source>
            <translation>ไม่มีการดำเนินการที่ต้องให้คุณตรวจสอบ</translation>
        </message>
        <message>
            <source>The operations journal could not be read. The details are in the log; press Check again to retry.</source>
            <translation>อ่านบันทึกการดำเนินการไม่ได้ รายละเอียดอยู่ในล็อก กด ตรวจสอบอีกครั้ง เพื่อลองใหม่</translation>
        </message>
    </context>
    <context>
        <name>OperationsTableModel</name>
        <message>
            <source>Started</source>
            <translation>เริ่มเมื่อ</translation>
        </message>
        <message>
            <source>Kind</source>
            <translation>ประเภท</translation>
        </message>
        <message>
            <source>Target</source>
            <translation>เป้าหมาย</translation>
        </message>
        <message>
            <source>Amount</source>
            <translation>จำนวนเงิน</translation>
        </message>
        <message>
            <source>Clerk</source>
            <translation>พนักงาน</translation>
        </message>
        <message>
            <source>State</source>
            <translation>สถานะ</translation>
        </message>
        <message>
            <source>Attempts</source>
            <translation>จำนวนครั้งที่ลอง</translation>
        </message>
        <message>
            <source>Error</source>
            <translation>ข้อผิดพลาด</translation>
        </message>
        <message>
            <source>What you can do</source>
            <translation>สิ่งที่คุณทำได้</translation>
        </message>
        <message>
            <source>Waiting to be sent</source>
            <translation>รอส่ง</translation>
        </message>
        <message>
            <source>Being sent</source>
            <translation>กำลังส่ง</translation>
        </message>
        <message>
            <source>Not confirmed</source>
            <translation>ยังไม่ได้รับการยืนยัน</translation>
        </message>
        <message>
            <source>Refused by Opn</source>
            <translation>Opn ปฏิเสธ</translation>
        </message>
        <message>
            <source>Done</source>
            <translation>เสร็จแล้ว</translation>
        </message>
        <message>
            <source>opn-desk could not confirm this refund with Opn. It will check again on the next sync; do not refund this charge again by hand.</source>
            <translation>opn-desk ยืนยันการคืนเงินนี้กับ Opn ไม่ได้ ระบบจะตรวจสอบอีกครั้งเมื่อซิงค์ครั้งถัดไป อย่าคืนเงินรายการชำระเงินนี้ซ้ำด้วยตนเอง</translation>
        </message>
        <message>
            <source>opn-desk could not confirm this capture with Opn. It will check again on the next sync; do not capture this charge again by hand.</source>
            <translation>opn-desk ยืนยันการเรียกเก็บเงินนี้กับ Opn ไม่ได้ ระบบจะตรวจสอบอีกครั้งเมื่อซิงค์ครั้งถัดไป อย่าเรียกเก็บเงินรายการชำระเงินนี้ซ้ำด้วยตนเอง</translation>
        </message>
        <message>
            <source>opn-desk could not confirm with Opn that this authorization was released. It will check again on the next sync; do not release it again by hand.</source>
            <translation>opn-desk ยืนยันกับ Opn ไม่ได้ว่าปล่อยวงเงินนี้คืนแล้ว ระบบจะตรวจสอบอีกครั้งเมื่อซิงค์ครั้งถัดไป อย่าปล่อยวงเงินคืนซ้ำด้วยตนเอง</translation>
        </message>
        <message>
            <source>opn-desk could not confirm this operation with Opn. It will check again on the next sync; do not repeat it by hand.</source>
            <translation>opn-desk ยืนยันการดำเนินการนี้กับ Opn ไม่ได้ ระบบจะตรวจสอบอีกครั้งเมื่อซิงค์ครั้งถัดไป อย่าทำซ้ำด้วยตนเอง</translation>
        </message>
        <message>
            <source>Opn refused this refund: %1. Nothing was refunded.</source>
            <translation>Opn ปฏิเสธการคืนเงินนี้: %1 ไม่มีการคืนเงินใด ๆ</translation>
        </message>
        <message>
            <source>Opn refused this capture: %1. Nothing was captured.</source>
            <translation>Opn ปฏิเสธการเรียกเก็บเงินนี้: %1 ไม่มีการเรียกเก็บเงินใด ๆ</translation>
        </message>
        <message>
            <source>Opn refused to release this authorization: %1. Nothing was released.</source>
            <translation>Opn ปฏิเสธการปล่อยวงเงินนี้คืน: %1 ไม่มีการปล่อยวงเงินใด ๆ</translation>
        </message>
        <message>
            <source>Opn refused this operation: %1. Nothing was changed.</source>
            <translation>Opn ปฏิเสธการดำเนินการนี้: %1 ไม่มีสิ่งใดเปลี่ยนแปลง</translation>
        </message>
        <message>
            <source>it gave no reason</source>
            <translation>ไม่ได้ระบุเหตุผล</translation>
        </message>
        <message>
            <source>Already done by another operation</source>
            <translation>มีการดำเนินการอื่นทำรายการนี้ไปแล้ว</translation>
        </message>
        <message>
            <source>Another operation, perhaps on another workstation, had already done this, so nothing was sent again.</source>
            <translation>มีการดำเนินการอื่น (อาจมาจากเครื่องอื่น) ทำรายการนี้ไปแล้ว จึงไม่ได้ส่งซ้ำอีก</translation>
        </message>
        <message>
            <source>Being sent…</source>
            <translation>กำลังส่ง…</translation>
        </message>
        <message numerus="yes">
            <source>Sending was cut off. opn-desk asks Opn whether it went through once %n minute(s) have passed since (in case another workstation is still sending it), and never sends it twice; Check again does it now if the time has passed.</source>
            <translation>
                <numerusform>การส่งถูกตัดกลางคัน เมื่อผ่านไป %n นาที opn-desk จะถามที่ Opn ว่าส่งถึงหรือไม่ (เผื่อเครื่องอื่นยังส่งอยู่) และจะไม่ส่งซ้ำ ปุ่มตรวจสอบอีกครั้งจะถามทันทีหากพ้นเวลานั้นแล้ว</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>ProfileMenu</name>
        <message>
            <source>&amp;Profile</source>
            <translation>โปรไฟล์ (&amp;P)</translation>
        </message>
        <message>
            <source>&amp;New profile…</source>
            <translation>โปรไฟล์ใหม่… (&amp;N)</translation>
        </message>
        <message>
            <source>%1 — LIVE</source>
            <translation>%1 — ใช้งานจริง</translation>
        </message>
        <message>
            <source>%1 — sandbox</source>
            <translation>%1 — แซนด์บ็อกซ์</translation>
        </message>
        <message>
            <source>%1 — test</source>
            <translation>%1 — ทดสอบ</translation>
        </message>
    </context>
    <context>
        <name>ProfileStatusBar</name>
        <message>
            <source>Offline: showing the cache</source>
            <translation>ออฟไลน์: แสดงข้อมูลในเครื่อง</translation>
        </message>
        <message>
            <source>Not synced yet</source>
            <translation>ยังไม่ได้ซิงค์</translation>
        </message>
        <message>
            <source>Last sync: %1</source>
            <translation>ซิงค์ล่าสุด: %1</translation>
        </message>
        <message>
            <source>Charges in the cache: %1</source>
            <translation>รายการชำระเงินในเครื่อง: %1</translation>
        </message>
        <message>
            <source>Charges shown: %2 of %1 in the cache</source>
            <translation>รายการชำระเงินที่แสดง: %2 จาก %1 รายการในเครื่อง</translation>
        </message>
        <message>
            <source>Operations needing attention: %1</source>
            <translation>การดำเนินการที่ต้องตรวจสอบ: %1</translation>
        </message>
        <message>
            <source>Syncing %1 of %2</source>
            <translation>กำลังซิงค์ %1 จาก %2</translation>
        </message>
        <message>
            <source>LIVE</source>
            <translation>ใช้งานจริง</translation>
        </message>
        <message>
            <source>TEST · SANDBOX</source>
            <translation>ทดสอบ · แซนด์บ็อกซ์</translation>
        </message>
        <message>
            <source>TEST</source>
            <translation>ทดสอบ</translation>
        </message>
    </context>
    <context>
        <name>RefundDialog</name>
        <message>
            <source>The customer asked for it</source>
            <translation>ลูกค้าขอคืนเงิน</translation>
        </message>
        <message>
            <source>Duplicate charge</source>
            <translation>รายการชำระเงินซ้ำ</translation>
        </message>
        <message>
            <source>Goods or service not delivered</source>
            <translation>ไม่ได้ส่งมอบสินค้าหรือบริการ</translation>
        </message>
        <message>
            <source>Fraudulent charge</source>
            <translation>รายการชำระเงินทุจริต</translation>
        </message>
        <message>
            <source>Other (say why in the note)</source>
            <translation>อื่น ๆ (ระบุเหตุผลในหมายเหตุ)</translation>
        </message>
        <message>
            <source>Refund %1</source>
            <translation>คืนเงิน %1</translation>
        </message>
        <message>
            <source>Captured</source>
            <translation>เรียกเก็บแล้ว</translation>
        </message>
        <message>
            <source>Refunded so far</source>
            <translation>คืนเงินไปแล้ว</translation>
        </message>
        <message>
            <source>Left to refund</source>
            <translation>คืนเงินได้อีก</translation>
        </message>
        <message>
            <source>Refunds left</source>
            <translation>จำนวนครั้งที่คืนเงินได้อีก</translation>
        </message>
        <message>
            <source>Refund window closes</source>
            <translation>หมดเขตคืนเงิน</translation>
        </message>
        <message>
            <source>Partial refunds</source>
            <translation>การคืนเงินบางส่วน</translation>
        </message>
        <message>
            <source>Everything left</source>
            <translation>ทั้งหมดที่เหลือ</translation>
        </message>
        <message>
            <source>Amount</source>
            <translation>จำนวนเงิน</translation>
        </message>
        <message>
            <source>Reason</source>
            <translation>เหตุผล</translation>
        </message>
        <message>
            <source>Note</source>
            <translation>หมายเหตุ</translation>
        </message>
        <message>
            <source>Refund…</source>
            <translation>คืนเงิน…</translation>
        </message>
        <message>
            <source>%1 of 15</source>
            <translation>%1 จาก 15</translation>
        </message>
        <message>
            <source>Allowed for this payment method</source>
            <translation>วิธีการชำระเงินนี้ทำได้</translation>
        </message>
        <message>
            <source>Not allowed: this payment method takes full refunds only</source>
            <translation>ทำไม่ได้: วิธีการชำระเงินนี้คืนเงินได้เต็มจำนวนเท่านั้น</translation>
        </message>
        <message>
            <source>The charge has not settled yet, so this refund will be a void: the payment is cancelled rather than paid back.</source>
            <translation>รายการชำระเงินนี้ยังไม่ได้ชำระบัญชี การคืนเงินครั้งนี้จึงเป็นการยกเลิกรายการ (void): การชำระเงินจะถูกยกเลิกแทนการโอนเงินคืน</translation>
        </message>
        <message>
            <source>Unknown</source>
            <translation>ไม่ทราบ</translation>
        </message>
        <message>
            <source>Void %1 of charge %2? The payment is cancelled before it settles. This cannot be undone.</source>
            <translation>ยกเลิกรายการ %1 ของรายการชำระเงิน %2 ใช่หรือไม่ การชำระเงินจะถูกยกเลิกก่อนชำระบัญชี และยกเลิกภายหลังไม่ได้</translation>
        </message>
        <message>
            <source>Refund %1 of charge %2 to the customer? This cannot be undone.</source>
            <translation>คืนเงิน %1 ของรายการชำระเงิน %2 ให้ลูกค้าใช่หรือไม่ ยกเลิกภายหลังไม่ได้</translation>
        </message>
        <message>
            <source>Confirm the refund</source>
            <translation>ยืนยันการคืนเงิน</translation>
        </message>
        <message>
            <source>Sending the refund to Opn…</source>
            <translation>กำลังส่งการคืนเงินไปยัง Opn…</translation>
        </message>
        <message>
            <source>Another refund of this charge is being sent right now. Wait for it to finish, then look at the charge again.</source>
            <translation>กำลังส่งการคืนเงินอื่นของรายการชำระเงินนี้อยู่ โปรดรอให้เสร็จ แล้วดูรายการชำระเงินนี้อีกครั้ง</translation>
        </message>
    </context>
    <context>
        <name>RefundsTab</name>
        <message>
            <source>Refunds</source>
            <translation>การคืนเงิน</translation>
        </message>
        <message>
            <source>All statuses</source>
            <translation>ทุกสถานะ</translation>
        </message>
        <message>
            <source>Refunds and voids</source>
            <translation>การคืนเงินและการยกเลิกรายการ</translation>
        </message>
        <message>
            <source>Refunds only</source>
            <translation>การคืนเงินเท่านั้น</translation>
        </message>
        <message>
            <source>Voids only</source>
            <translation>การยกเลิกรายการเท่านั้น</translation>
        </message>
        <message>
            <source>All currencies</source>
            <translation>ทุกสกุลเงิน</translation>
        </message>
        <message>
            <source>Only these days:</source>
            <translation>เฉพาะวันที่:</translation>
        </message>
        <message>
            <source>First day</source>
            <translation>วันแรก</translation>
        </message>
        <message>
            <source>Last day</source>
            <translation>วันสุดท้าย</translation>
        </message>
        <message>
            <source>Refund or charge id</source>
            <translation>รหัสการคืนเงินหรือรายการชำระเงิน</translation>
        </message>
        <message>
            <source>Clear filters</source>
            <translation>ล้างตัวกรอง</translation>
        </message>
        <message>
            <source>Refunds shown: %1</source>
            <translation>การคืนเงินที่แสดง: %1</translation>
        </message>
        <message>
            <source>The refunds could not be read from the cache. The details are in the log; the list is read again after the next sync.</source>
            <translation>อ่านการคืนเงินจากข้อมูลในเครื่องไม่ได้ รายละเอียดอยู่ในล็อก ระบบจะอ่านรายการใหม่หลังการซิงค์ครั้งถัดไป</translation>
        </message>
    </context>
    <context>
        <name>RefundsTableModel</name>
        <message>
            <source>Date</source>
            <translation>วันที่</translation>
        </message>
        <message>
            <source>Refund</source>
            <translation>รายการคืนเงิน</translation>
        </message>
        <message>
            <source>Charge</source>
            <translation>รายการชำระเงิน</translation>
        </message>
        <message>
            <source>Amount</source>
            <translation>จำนวนเงิน</translation>
        </message>
        <message>
            <source>Void or refund</source>
            <translation>ยกเลิกรายการหรือคืนเงิน</translation>
        </message>
        <message>
            <source>Status</source>
            <translation>สถานะ</translation>
        </message>
        <message>
            <source>Reason</source>
            <translation>เหตุผล</translation>
        </message>
        <message>
            <source>Note</source>
            <translation>หมายเหตุ</translation>
        </message>
        <message>
            <source>Operation</source>
            <translation>การดำเนินการ</translation>
        </message>
        <message>
            <source>Closed</source>
            <translation>ปิดแล้ว</translation>
        </message>
        <message>
            <source>Pending</source>
            <translation>รอดำเนินการ</translation>
        </message>
        <message>
            <source>Void</source>
            <translation>ยกเลิกรายการ</translation>
        </message>
    </context>
    <context>
        <name>ReportChart</name>
        <message>
            <source>Gross captured per group</source>
            <translation>ยอดเรียกเก็บรวมต่อกลุ่ม</translation>
        </message>
        <message numerus="yes">
            <source>Largest %n group(s) shown.</source>
            <translation>
                <numerusform>แสดง %n กลุ่มที่ใหญ่ที่สุด</numerusform>
            </translation>
        </message>
        <message>
            <source>Gross captured over time</source>
            <translation>ยอดเรียกเก็บรวมตามช่วงเวลา</translation>
        </message>
    </context>
    <context>
        <name>Reports</name>
        <message>
            <source>Currency</source>
            <translation>สกุลเงิน</translation>
        </message>
        <message>
            <source>Total</source>
            <translation>รวม</translation>
        </message>
        <message>
            <source>(none)</source>
            <translation>(ไม่มี)</translation>
        </message>
        <message>
            <source>Payment method</source>
            <translation>วิธีการชำระเงิน</translation>
        </message>
        <message>
            <source>Card brand</source>
            <translation>แบรนด์บัตร</translation>
        </message>
        <message>
            <source>Status</source>
            <translation>สถานะ</translation>
        </message>
        <message>
            <source>Day</source>
            <translation>วัน</translation>
        </message>
        <message>
            <source>Week</source>
            <translation>สัปดาห์</translation>
        </message>
        <message>
            <source>Month</source>
            <translation>เดือน</translation>
        </message>
        <message>
            <source>Charges</source>
            <translation>รายการชำระเงิน</translation>
        </message>
        <message>
            <source>Paid charges</source>
            <translation>รายการที่ชำระแล้ว</translation>
        </message>
        <message>
            <source>Gross captured</source>
            <translation>ยอดเรียกเก็บรวม</translation>
        </message>
        <message>
            <source>Refunded</source>
            <translation>คืนเงินแล้ว</translation>
        </message>
        <message>
            <source>Fees</source>
            <translation>ค่าธรรมเนียม</translation>
        </message>
        <message>
            <source>VAT on fees</source>
            <translation>ภาษีมูลค่าเพิ่มของค่าธรรมเนียม</translation>
        </message>
        <message>
            <source>Net</source>
            <translation>ยอดสุทธิ</translation>
        </message>
        <message>
            <source>Disputed</source>
            <translation>มีข้อโต้แย้ง</translation>
        </message>
        <message>
            <source>Average charge</source>
            <translation>ยอดเฉลี่ยต่อรายการ</translation>
        </message>
        <message>
            <source>Charge</source>
            <translation>รายการชำระเงิน</translation>
        </message>
        <message>
            <source>Created</source>
            <translation>สร้างเมื่อ</translation>
        </message>
        <message>
            <source>Amount</source>
            <translation>จำนวนเงิน</translation>
        </message>
        <message>
            <source>Description</source>
            <translation>คำอธิบาย</translation>
        </message>
        <message>
            <source>Summary</source>
            <translation>สรุป</translation>
        </message>
    </context>
    <context>
        <name>ReportsTab</name>
        <message>
            <source>Day</source>
            <translation>วัน</translation>
        </message>
        <message>
            <source>Week</source>
            <translation>สัปดาห์</translation>
        </message>
        <message>
            <source>Month</source>
            <translation>เดือน</translation>
        </message>
        <message>
            <source>Quarter</source>
            <translation>ไตรมาส</translation>
        </message>
        <message>
            <source>Custom range</source>
            <translation>กำหนดช่วงเอง</translation>
        </message>
        <message>
            <source>Payment method</source>
            <translation>วิธีการชำระเงิน</translation>
        </message>
        <message>
            <source>Card brand</source>
            <translation>แบรนด์บัตร</translation>
        </message>
        <message>
            <source>Currency</source>
            <translation>สกุลเงิน</translation>
        </message>
        <message>
            <source>Status</source>
            <translation>สถานะ</translation>
        </message>
        <message>
            <source>Running the report…</source>
            <translation>กำลังสร้างรายงาน…</translation>
        </message>
        <message>
            <source>Report saved as “%1”.</source>
            <translation>บันทึกรายงานชื่อ “%1” แล้ว</translation>
        </message>
        <message>
            <source>More metadata columns</source>
            <translation>คอลัมน์เมทาดาทาเพิ่มเติม</translation>
        </message>
        <message>
            <source>Run</source>
            <translation>สร้างรายงาน</translation>
        </message>
        <message>
            <source>Saved reports…</source>
            <translation>รายงานที่บันทึกไว้…</translation>
        </message>
        <message>
            <source>Save…</source>
            <translation>บันทึก…</translation>
        </message>
        <message>
            <source>Group by</source>
            <translation>จัดกลุ่มตาม</translation>
        </message>
        <message>
            <source>then</source>
            <translation>แล้วตาม</translation>
        </message>
        <message>
            <source>Export…</source>
            <translation>ส่งออก…</translation>
        </message>
        <message>
            <source>Cancel export</source>
            <translation>ยกเลิกการส่งออก</translation>
        </message>
        <message>
            <source>Nothing</source>
            <translation>ไม่จัดกลุ่ม</translation>
        </message>
        <message>
            <source>Metadata: %1</source>
            <translation>เมทาดาทา: %1</translation>
        </message>
        <message>
            <source>First day</source>
            <translation>วันแรก</translation>
        </message>
        <message>
            <source>A day in the period</source>
            <translation>วันหนึ่งในช่วงเวลา</translation>
        </message>
        <message>
            <source>Charges created %1 to %2 (%3).</source>
            <translation>รายการชำระเงินที่สร้างตั้งแต่ %1 ถึง %2 (%3)</translation>
        </message>
        <message>
            <source>The report could not be read from the cache. The log has details.</source>
            <translation>อ่านรายงานจากข้อมูลในเครื่องไม่ได้ รายละเอียดอยู่ในล็อก</translation>
        </message>
        <message>
            <source>Save report</source>
            <translation>บันทึกรายงาน</translation>
        </message>
        <message>
            <source>Name of the report:</source>
            <translation>ชื่อรายงาน:</translation>
        </message>
        <message>
            <source>Export report</source>
            <translation>ส่งออกรายงาน</translation>
        </message>
        <message>
            <source>Excel workbook (*.xlsx);;CSV, UTF-8 (*.csv)</source>
            <translation>เวิร์กบุ๊ก Excel (*.xlsx);;CSV, UTF-8 (*.csv)</translation>
        </message>
        <message>
            <source>Exported to %1.</source>
            <translation>ส่งออกไปที่ %1 แล้ว</translation>
        </message>
        <message>
            <source>Export cancelled; no file was written.</source>
            <translation>ยกเลิกการส่งออกแล้ว ไม่มีไฟล์ถูกเขียน</translation>
        </message>
        <message>
            <source>The file could not be written (%1). Choose another folder or close the file if it is open in another program.</source>
            <translation>เขียนไฟล์ไม่ได้ (%1) เลือกโฟลเดอร์อื่น หรือปิดไฟล์หากเปิดอยู่ในโปรแกรมอื่น</translation>
        </message>
        <message>
            <source>The export failed. The log has details.</source>
            <translation>ส่งออกไม่สำเร็จ รายละเอียดอยู่ในล็อก</translation>
        </message>
        <message>
            <source>The range is too long to group by week: pick months or a shorter range.</source>
            <translation>ช่วงเวลายาวเกินกว่าจะจัดกลุ่มรายสัปดาห์: เลือกรายเดือนหรือช่วงที่สั้นลง</translation>
        </message>
        <message>
            <source>The range is too long to group by month: pick a shorter range.</source>
            <translation>ช่วงเวลายาวเกินกว่าจะจัดกลุ่มรายเดือน: เลือกช่วงที่สั้นลง</translation>
        </message>
        <message>
            <source>The first day is after the last day: swap them.</source>
            <translation>วันแรกอยู่หลังวันสุดท้าย: สลับกัน</translation>
        </message>
        <message>
            <source>The range is too long to group by day: pick weeks or months.</source>
            <translation>ช่วงเวลายาวเกินกว่าจะจัดกลุ่มรายวัน: เลือกรายสัปดาห์หรือรายเดือน</translation>
        </message>
        <message>
            <source>Give the report a name to save it.</source>
            <translation>ตั้งชื่อรายงานเพื่อบันทึก</translation>
        </message>
        <message>
            <source>This report cannot run: choose other groups.</source>
            <translation>สร้างรายงานนี้ไม่ได้: เลือกกลุ่มอื่น</translation>
        </message>
    </context>
    <context>
        <name>ReportsTableModel</name>
        <message>
            <source>Charges</source>
            <translation>รายการชำระเงิน</translation>
        </message>
        <message>
            <source>Gross captured</source>
            <translation>ยอดเรียกเก็บรวม</translation>
        </message>
        <message>
            <source>Refunded</source>
            <translation>คืนเงินแล้ว</translation>
        </message>
        <message>
            <source>Fees</source>
            <translation>ค่าธรรมเนียม</translation>
        </message>
        <message>
            <source>VAT</source>
            <translation>ภาษีมูลค่าเพิ่ม</translation>
        </message>
        <message>
            <source>Net</source>
            <translation>ยอดสุทธิ</translation>
        </message>
        <message>
            <source>Disputed</source>
            <translation>มีข้อโต้แย้ง</translation>
        </message>
        <message>
            <source>Average</source>
            <translation>เฉลี่ย</translation>
        </message>
        <message>
            <source>Total</source>
            <translation>รวม</translation>
        </message>
    </context>
    <context>
        <name>SavedFiltersBox</name>
        <message>
            <source>Save filter…</source>
            <translation>บันทึกตัวกรอง…</translation>
        </message>
        <message>
            <source>Delete</source>
            <translation>ลบ</translation>
        </message>
        <message>
            <source>Delete the chosen saved filter</source>
            <translation>ลบตัวกรองที่บันทึกไว้ซึ่งเลือกอยู่</translation>
        </message>
        <message>
            <source>Save filter</source>
            <translation>บันทึกตัวกรอง</translation>
        </message>
        <message>
            <source>Name of this filter:</source>
            <translation>ชื่อตัวกรองนี้:</translation>
        </message>
        <message>
            <source>Saved filters</source>
            <translation>ตัวกรองที่บันทึกไว้</translation>
        </message>
        <message>
            <source>The saved filters could not be read or written. Try again; if it keeps failing, the log file says why.</source>
            <translation>อ่านหรือเขียนตัวกรองที่บันทึกไว้ไม่ได้ ลองอีกครั้ง หากยังไม่สำเร็จ ไฟล์ล็อกจะบอกสาเหตุ</translation>
        </message>
    </context>
    <context>
        <name>ScheduleBulkDialog</name>
        <message>
            <source>Schedules from %1</source>
            <translation>กำหนดการจาก %1</translation>
        </message>
        <message>
            <source>Line</source>
            <translation>บรรทัด</translation>
        </message>
        <message>
            <source>Customer</source>
            <translation>ลูกค้า</translation>
        </message>
        <message>
            <source>Outcome</source>
            <translation>ผลลัพธ์</translation>
        </message>
        <message>
            <source>What to do</source>
            <translation>สิ่งที่ต้องทำ</translation>
        </message>
        <message>
            <source>Send the good rows…</source>
            <translation>ส่งแถวที่ถูกต้อง…</translation>
        </message>
        <message>
            <source>Open the result file</source>
            <translation>เปิดไฟล์ผลลัพธ์</translation>
        </message>
        <message>
            <source>Show its folder</source>
            <translation>แสดงโฟลเดอร์</translation>
        </message>
        <message>
            <source>Checking every row…</source>
            <translation>กำลังตรวจทุกแถว…</translation>
        </message>
        <message numerus="yes">
            <source>%n row(s) already created.</source>
            <translation>
                <numerusform>สร้างแล้ว %n แถว</numerusform>
            </translation>
        </message>
        <message>
            <source>To fix</source>
            <translation>ต้องแก้ไข</translation>
        </message>
        <message>
            <source>Create the schedules</source>
            <translation>สร้างกำหนดการ</translation>
        </message>
        <message numerus="yes">
            <source>Create %n schedule(s) in Opn now? The rows to fix are not sent; the result file lists every row.</source>
            <translation>
                <numerusform>สร้างกำหนดการ %n รายการใน Opn ตอนนี้ใช่หรือไม่ แถวที่ต้องแก้ไขจะไม่ถูกส่ง ไฟล์ผลลัพธ์จะแสดงทุกแถว</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n row(s) ready to send.</source>
            <translation>
                <numerusform>พร้อมส่ง %n แถว</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n row(s) to fix.</source>
            <translation>
                <numerusform>ต้องแก้ไข %n แถว</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Handled %1 of %n row(s)…</source>
            <translation>
                <numerusform>ดำเนินการแล้ว %1 จาก %n แถว…</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n schedule(s) created.</source>
            <translation>
                <numerusform>สร้างกำหนดการแล้ว %n รายการ</numerusform>
            </translation>
        </message>
        <message>
            <source>Every row's outcome is in %1.</source>
            <translation>ผลลัพธ์ของทุกแถวอยู่ใน %1</translation>
        </message>
        <message>
            <source>No program opened %1. Open it from your file manager.</source>
            <translation>ไม่มีโปรแกรมใดเปิด %1 ได้ เปิดจากโปรแกรมจัดการไฟล์ของคุณ</translation>
        </message>
        <message>
            <source>Created</source>
            <translation>สร้างแล้ว</translation>
        </message>
        <message>
            <source>Refused by Opn</source>
            <translation>Opn ปฏิเสธ</translation>
        </message>
        <message>
            <source>Not confirmed</source>
            <translation>ยังไม่ได้รับการยืนยัน</translation>
        </message>
        <message>
            <source>Not sent</source>
            <translation>ยังไม่ได้ส่ง</translation>
        </message>
        <message>
            <source>Created by operation %1.</source>
            <translation>สร้างโดยการดำเนินการ %1</translation>
        </message>
        <message>
            <source>Created in an earlier run; not sent again.</source>
            <translation>สร้างไว้แล้วในการส่งครั้งก่อน ไม่ส่งซ้ำ</translation>
        </message>
        <message>
            <source>Not sent: the run was stopped before this row.</source>
            <translation>ยังไม่ได้ส่ง: การส่งถูกหยุดก่อนถึงแถวนี้</translation>
        </message>
        <message>
            <source>Not sent: another write for this customer is unsettled. Run the file again once the Operations panel shows it settled.</source>
            <translation>ยังไม่ได้ส่ง: มีการบันทึกอื่นของลูกค้ารายนี้ที่ยังไม่เสร็จสิ้น ส่งไฟล์อีกครั้งเมื่อแผงการดำเนินการแสดงว่าเสร็จสิ้นแล้ว</translation>
        </message>
        <message>
            <source>Opn refused the schedule: %2</source>
            <translation>Opn ปฏิเสธกำหนดการ: %2</translation>
        </message>
        <message>
            <source>Sent, but not confirmed yet (operation %1). Look in the Operations panel before sending this row again.</source>
            <translation>ส่งแล้วแต่ยังไม่ได้รับการยืนยัน (การดำเนินการ %1) ดูแผงการดำเนินการก่อนส่งแถวนี้อีกครั้ง</translation>
        </message>
        <message>
            <source>The %1 column cannot be used (%2).</source>
            <translation>ใช้คอลัมน์ %1 ไม่ได้ (%2)</translation>
        </message>
        <message>
            <source>Choose a .csv or .xlsx file.</source>
            <translation>เลือกไฟล์ .csv หรือ .xlsx</translation>
        </message>
        <message>
            <source>The file is empty; add a header line and rows.</source>
            <translation>ไฟล์ว่างเปล่า เพิ่มบรรทัดหัวตารางและแถวข้อมูล</translation>
        </message>
        <message>
            <source>The file lacks the columns: %1. Add them.</source>
            <translation>ไฟล์ขาดคอลัมน์: %1 โปรดเพิ่ม</translation>
        </message>
        <message>
            <source>The file cannot be read.</source>
            <translation>อ่านไฟล์ไม่ได้</translation>
        </message>
        <message>
            <source>The %1 column is empty; fill it in.</source>
            <translation>คอลัมน์ %1 ว่างอยู่ โปรดกรอก</translation>
        </message>
        <message>
            <source>There is no such customer in the cache. Sync, or check the id.</source>
            <translation>ไม่มีลูกค้ารายนี้ในข้อมูลในเครื่อง ซิงค์ หรือตรวจสอบรหัส</translation>
        </message>
        <message>
            <source>This card is not one of the customer's saved cards.</source>
            <translation>บัตรนี้ไม่ใช่บัตรที่ลูกค้าบันทึกไว้</translation>
        </message>
        <message>
            <source>The customer has no saved card. Add one, or name a card.</source>
            <translation>ลูกค้าไม่มีบัตรที่บันทึกไว้ เพิ่มบัตร หรือระบุบัตร</translation>
        </message>
        <message>
            <source>The account does not take this currency.</source>
            <translation>บัญชีนี้ไม่รับสกุลเงินนี้</translation>
        </message>
        <message>
            <source>The amount is empty; fill it in.</source>
            <translation>จำนวนเงินว่างอยู่ โปรดกรอก</translation>
        </message>
        <message>
            <source>The amount is not a number, e.g. 1250.50.</source>
            <translation>จำนวนเงินไม่ใช่ตัวเลข เช่น 1250.50</translation>
        </message>
        <message>
            <source>The amount is negative; give a positive one.</source>
            <translation>จำนวนเงินติดลบ ใส่จำนวนที่เป็นบวก</translation>
        </message>
        <message>
            <source>The amount has more decimals than the currency has.</source>
            <translation>จำนวนเงินมีทศนิยมมากกว่าที่สกุลเงินนี้มี</translation>
        </message>
        <message>
            <source>The amount must be greater than zero.</source>
            <translation>จำนวนเงินต้องมากกว่าศูนย์</translation>
        </message>
        <message>
            <source>The amount is below the smallest charge Opn takes for this account.</source>
            <translation>จำนวนเงินต่ำกว่ายอดชำระขั้นต่ำที่ Opn รับสำหรับบัญชีนี้</translation>
        </message>
        <message>
            <source>The amount is above the largest charge Opn takes for this account.</source>
            <translation>จำนวนเงินสูงกว่ายอดชำระสูงสุดที่ Opn รับสำหรับบัญชีนี้</translation>
        </message>
        <message>
            <source>The every column needs a whole number, e.g. 1.</source>
            <translation>คอลัมน์ every ต้องเป็นจำนวนเต็ม เช่น 1</translation>
        </message>
        <message>
            <source>The %1 column is not a date like 2027-03-31.</source>
            <translation>คอลัมน์ %1 ไม่ใช่วันที่ในรูปแบบ 2027-03-31</translation>
        </message>
        <message>
            <source>The every column must be 1 or more.</source>
            <translation>คอลัมน์ every ต้องมีค่าตั้งแต่ 1 ขึ้นไป</translation>
        </message>
        <message>
            <source>The period must be day, week or month.</source>
            <translation>period ต้องเป็น day, week หรือ month</translation>
        </message>
        <message>
            <source>A daily schedule takes no weekdays or days of the month.</source>
            <translation>กำหนดการรายวันไม่ต้องระบุวันในสัปดาห์หรือวันที่ของเดือน</translation>
        </message>
        <message>
            <source>A weekly schedule needs weekdays, e.g. monday friday.</source>
            <translation>กำหนดการรายสัปดาห์ต้องระบุวันในสัปดาห์ เช่น monday friday</translation>
        </message>
        <message>
            <source>A weekday is misspelt; use monday to sunday.</source>
            <translation>สะกดวันในสัปดาห์ผิด ใช้ monday ถึง sunday</translation>
        </message>
        <message>
            <source>A monthly schedule needs days_of_month or weekday_of_month.</source>
            <translation>กำหนดการรายเดือนต้องระบุ days_of_month หรือ weekday_of_month</translation>
        </message>
        <message>
            <source>Give days_of_month or weekday_of_month, not both.</source>
            <translation>ระบุ days_of_month หรือ weekday_of_month อย่างใดอย่างหนึ่ง ไม่ใช่ทั้งสองอย่าง</translation>
        </message>
        <message>
            <source>Days of the month run from 1 to 31.</source>
            <translation>วันที่ของเดือนมีตั้งแต่ 1 ถึง 31</translation>
        </message>
        <message>
            <source>The weekday_of_month is like first_monday or last_friday.</source>
            <translation>weekday_of_month มีรูปแบบเช่น first_monday หรือ last_friday</translation>
        </message>
        <message>
            <source>The end_date column is empty; fill it in.</source>
            <translation>คอลัมน์ end_date ว่างอยู่ โปรดกรอก</translation>
        </message>
        <message>
            <source>The end_date is before the start_date.</source>
            <translation>end_date อยู่ก่อน start_date</translation>
        </message>
        <message>
            <source>The start_date is in the past; start today or later.</source>
            <translation>start_date เป็นวันที่ผ่านมาแล้ว เริ่มวันนี้หรือหลังจากนี้</translation>
        </message>
        <message>
            <source>No run date falls between start_date and end_date. Move the end_date later or change the cadence.</source>
            <translation>ไม่มีรอบเรียกเก็บเงินระหว่าง start_date และ end_date เลื่อน end_date ออกไป หรือเปลี่ยนความถี่</translation>
        </message>
    </context>
    <context>
        <name>SchedulesTableModel</name>
        <message>
            <source>All statuses</source>
            <translation>ทุกสถานะ</translation>
        </message>
        <message>
            <source>Running</source>
            <translation>ทำงานอยู่</translation>
        </message>
        <message>
            <source>Last run ahead</source>
            <translation>เหลือรอบสุดท้าย</translation>
        </message>
        <message>
            <source>Suspended</source>
            <translation>ถูกระงับ</translation>
        </message>
        <message>
            <source>Expired</source>
            <translation>หมดอายุ</translation>
        </message>
        <message>
            <source>Deleted</source>
            <translation>ลบแล้ว</translation>
        </message>
        <message>
            <source>first</source>
            <translation>แรก</translation>
        </message>
        <message>
            <source>second</source>
            <translation>ที่สอง</translation>
        </message>
        <message>
            <source>third</source>
            <translation>ที่สาม</translation>
        </message>
        <message>
            <source>fourth</source>
            <translation>ที่สี่</translation>
        </message>
        <message>
            <source>last</source>
            <translation>สุดท้าย</translation>
        </message>
        <message>
            <source>Scheduled</source>
            <translation>ตั้งเวลาไว้</translation>
        </message>
        <message>
            <source>Successful</source>
            <translation>สำเร็จ</translation>
        </message>
        <message>
            <source>Failed</source>
            <translation>ล้มเหลว</translation>
        </message>
        <message>
            <source>Skipped</source>
            <translation>ข้ามไป</translation>
        </message>
        <message>
            <source>Schedule</source>
            <translation>กำหนดการ</translation>
        </message>
        <message>
            <source>Status</source>
            <translation>สถานะ</translation>
        </message>
        <message>
            <source>Cadence</source>
            <translation>ความถี่</translation>
        </message>
        <message>
            <source>Amount</source>
            <translation>จำนวนเงิน</translation>
        </message>
        <message>
            <source>Customer</source>
            <translation>ลูกค้า</translation>
        </message>
        <message>
            <source>Next runs</source>
            <translation>รอบถัดไป</translation>
        </message>
        <message>
            <source>Start</source>
            <translation>เริ่ม</translation>
        </message>
        <message>
            <source>End</source>
            <translation>สิ้นสุด</translation>
        </message>
        <message>
            <source>Description</source>
            <translation>คำอธิบาย</translation>
        </message>
        <message>
            <source>Metadata</source>
            <translation>เมทาดาทา</translation>
        </message>
        <message>
            <source>Date</source>
            <translation>วันที่</translation>
        </message>
        <message>
            <source>Charge</source>
            <translation>รายการชำระเงิน</translation>
        </message>
        <message>
            <source>Failure</source>
            <translation>สาเหตุที่ล้มเหลว</translation>
        </message>
        <message>
            <source>Retry on</source>
            <translation>ลองใหม่วันที่</translation>
        </message>
        <message>
            <source>Run at least every 1 period.</source>
            <translation>ต้องเรียกเก็บอย่างน้อยทุก 1 ช่วงเวลา</translation>
        </message>
        <message>
            <source>Tick at least one weekday for a weekly schedule.</source>
            <translation>เลือกวันในสัปดาห์อย่างน้อยหนึ่งวันสำหรับกำหนดการรายสัปดาห์</translation>
        </message>
        <message>
            <source>Give the days of the month, e.g. 1 15, or a weekday.</source>
            <translation>ระบุวันที่ของเดือน เช่น 1 15 หรือวันในสัปดาห์</translation>
        </message>
        <message>
            <source>Choose days of the month or a weekday, not both.</source>
            <translation>เลือกวันที่ของเดือนหรือวันในสัปดาห์ อย่างใดอย่างหนึ่ง</translation>
        </message>
        <message>
            <source>Days of the month run from 1 to 31, e.g. 1 15 31.</source>
            <translation>วันที่ของเดือนมีตั้งแต่ 1 ถึง 31 เช่น 1 15 31</translation>
        </message>
        <message>
            <source>Choose a weekday from Monday to Sunday.</source>
            <translation>เลือกวันในสัปดาห์ตั้งแต่วันจันทร์ถึงวันอาทิตย์</translation>
        </message>
        <message>
            <source>Choose first, second, third, fourth or last.</source>
            <translation>เลือก แรก ที่สอง ที่สาม ที่สี่ หรือ สุดท้าย</translation>
        </message>
        <message>
            <source>A daily schedule takes no weekdays or days.</source>
            <translation>กำหนดการรายวันไม่ต้องระบุวันในสัปดาห์หรือวันที่</translation>
        </message>
        <message>
            <source>Choose days, weeks or months.</source>
            <translation>เลือก วัน สัปดาห์ หรือ เดือน</translation>
        </message>
        <message>
            <source>Choose an end date.</source>
            <translation>เลือกวันสิ้นสุด</translation>
        </message>
        <message>
            <source>The start date has passed; start today or later.</source>
            <translation>วันเริ่มผ่านไปแล้ว เริ่มวันนี้หรือหลังจากนี้</translation>
        </message>
        <message>
            <source>The end date is before the start date.</source>
            <translation>วันสิ้นสุดอยู่ก่อนวันเริ่ม</translation>
        </message>
        <message>
            <source>No run date falls between the start and the end: move the end date later or change the cadence.</source>
            <translation>ไม่มีรอบเรียกเก็บเงินระหว่างวันเริ่มและวันสิ้นสุด: เลื่อนวันสิ้นสุดออกไป หรือเปลี่ยนความถี่</translation>
        </message>
        <message>
            <source>Enter an amount greater than zero.</source>
            <translation>ใส่จำนวนเงินที่มากกว่าศูนย์</translation>
        </message>
        <message>
            <source>This schedule no longer runs.</source>
            <translation>กำหนดการนี้ไม่ทำงานแล้ว</translation>
        </message>
        <message>
            <source>The new start would charge a date already charged; start later.</source>
            <translation>วันเริ่มใหม่จะเรียกเก็บเงินซ้ำในวันที่เรียกเก็บไปแล้ว เริ่มให้ช้าลง</translation>
        </message>
        <message>
            <source>This schedule cannot be created.</source>
            <translation>สร้างกำหนดการนี้ไม่ได้</translation>
        </message>
        <message>
            <source>New charge schedule</source>
            <translation>กำหนดการเรียกเก็บเงินใหม่</translation>
        </message>
        <message>
            <source>branch=Siam; plan=gold</source>
            <translation>branch=Siam; plan=gold</translation>
        </message>
        <message>
            <source>On days of the month:</source>
            <translation>ในวันที่ของเดือน:</translation>
        </message>
        <message>
            <source>On the</source>
            <translation>ใน</translation>
        </message>
        <message>
            <source>Card</source>
            <translation>บัตร</translation>
        </message>
        <message>
            <source>Weekdays</source>
            <translation>วันในสัปดาห์</translation>
        </message>
        <message>
            <source>Month</source>
            <translation>เดือน</translation>
        </message>
        <message>
            <source>Start (local date)</source>
            <translation>เริ่ม (วันที่ท้องถิ่น)</translation>
        </message>
        <message>
            <source>End (local date, included)</source>
            <translation>สิ้นสุด (วันที่ท้องถิ่น รวมวันนั้นด้วย)</translation>
        </message>
        <message>
            <source>Create…</source>
            <translation>สร้าง…</translation>
        </message>
        <message>
            <source>Replace…</source>
            <translation>แทนที่…</translation>
        </message>
        <message>
            <source>Opn takes charges of at least %1; raise the amount.</source>
            <translation>Opn รับรายการชำระเงินตั้งแต่ %1 ขึ้นไป โปรดเพิ่มจำนวนเงิน</translation>
        </message>
        <message>
            <source>Opn takes charges of at most %1; lower the amount.</source>
            <translation>Opn รับรายการชำระเงินไม่เกิน %1 โปรดลดจำนวนเงิน</translation>
        </message>
        <message>
            <source>Confirm the schedule</source>
            <translation>ยืนยันกำหนดการ</translation>
        </message>
        <message>
            <source>Sending the schedule to Opn…</source>
            <translation>กำลังส่งกำหนดการไปยัง Opn…</translation>
        </message>
        <message>
            <source>The old schedule could not be deleted, so nothing was created: %1</source>
            <translation>ลบกำหนดการเดิมไม่ได้ จึงไม่มีการสร้างกำหนดการใหม่: %1</translation>
        </message>
        <message>
            <source>day(s)</source>
            <translation>วัน</translation>
        </message>
        <message>
            <source>week(s)</source>
            <translation>สัปดาห์</translation>
        </message>
        <message>
            <source>month(s)</source>
            <translation>เดือน</translation>
        </message>
        <message>
            <source>Every</source>
            <translation>ทุก</translation>
        </message>
        <message>
            <source>Next 12 run dates:</source>
            <translation>วันเรียกเก็บ 12 รอบถัดไป:</translation>
        </message>
        <message>
            <source>No customer in the cache: sync first.</source>
            <translation>ไม่มีลูกค้าในข้อมูลในเครื่อง: ซิงค์ก่อน</translation>
        </message>
        <message>
            <source>The customer of this schedule is not in the cache: sync first.</source>
            <translation>ลูกค้าของกำหนดการนี้ไม่มีในข้อมูลในเครื่อง: ซิงค์ก่อน</translation>
        </message>
        <message>
            <source>The customer's default card</source>
            <translation>บัตรหลักของลูกค้า</translation>
        </message>
        <message>
            <source>Type the start date as year-month-day, such as %1.</source>
            <translation>พิมพ์วันเริ่มต้นในรูปแบบ ปี-เดือน-วัน (ปี ค.ศ.) เช่น %1</translation>
        </message>
        <message>
            <source>%1 is not a date: that month has %2 days. Correct the start date.</source>
            <translation>ไม่มีวันที่ %1 ในปฏิทิน เดือนนั้นมี %2 วัน โปรดแก้วันเริ่มต้น</translation>
        </message>
        <message>
            <source>Type the end date as year-month-day, such as %1.</source>
            <translation>พิมพ์วันสิ้นสุดในรูปแบบ ปี-เดือน-วัน (ปี ค.ศ.) เช่น %1</translation>
        </message>
        <message>
            <source>%1 is not a date: that month has %2 days. Correct the end date.</source>
            <translation>ไม่มีวันที่ %1 ในปฏิทิน เดือนนั้นมี %2 วัน โปรดแก้วันสิ้นสุด</translation>
        </message>
        <message>
            <source>Choose a customer.</source>
            <translation>เลือกลูกค้า</translation>
        </message>
        <message>
            <source>The old schedule was deleted, but the new one is not created yet: %1</source>
            <translation>ลบกำหนดการเดิมแล้ว แต่ยังไม่ได้สร้างกำหนดการใหม่: %1</translation>
        </message>
        <message>
            <source>Change schedule %1</source>
            <translation>เปลี่ยนกำหนดการ %1</translation>
        </message>
        <message>
            <source>Created. Opn's schedule id is %1.</source>
            <translation>สร้างแล้ว รหัสกำหนดการของ Opn คือ %1</translation>
        </message>
        <message>
            <source>Another write for this customer is unsettled; wait for it.</source>
            <translation>มีการบันทึกอื่นของลูกค้ารายนี้ที่ยังไม่เสร็จสิ้น โปรดรอ</translation>
        </message>
        <message>
            <source>Write metadata as key=value; key=value.</source>
            <translation>เขียนเมทาดาทาในรูปแบบ key=value; key=value</translation>
        </message>
        <message>
            <source>Opn cannot edit a schedule: %1 will be deleted, then this one created in its place.</source>
            <translation>Opn แก้ไขกำหนดการไม่ได้: ระบบจะลบ %1 แล้วสร้างกำหนดการนี้แทน</translation>
        </message>
        <message>
            <source>Charge %1 to %2 %3, from %4 to %5? The first run is on %6.</source>
            <translation>เรียกเก็บเงิน %1 จาก %2 %3 ตั้งแต่ %4 ถึง %5 ใช่หรือไม่ รอบแรกคือวันที่ %6</translation>
        </message>
        <message>
            <source>Search schedule, customer, e-mail, description, metadata</source>
            <translation>ค้นหากำหนดการ ลูกค้า อีเมล คำอธิบาย เมทาดาทา</translation>
        </message>
        <message>
            <source>New schedule…</source>
            <translation>กำหนดการใหม่…</translation>
        </message>
        <message>
            <source>Change…</source>
            <translation>เปลี่ยน…</translation>
        </message>
        <message>
            <source>Delete…</source>
            <translation>ลบ…</translation>
        </message>
        <message>
            <source>From a file…</source>
            <translation>จากไฟล์…</translation>
        </message>
        <message>
            <source>Runs of the schedule</source>
            <translation>รอบของกำหนดการ</translation>
        </message>
        <message>
            <source>Failed runs to follow up</source>
            <translation>รอบที่ล้มเหลวซึ่งต้องติดตาม</translation>
        </message>
        <message>
            <source>Forecast</source>
            <translation>ประมาณการ</translation>
        </message>
        <message>
            <source>Schedules</source>
            <translation>กำหนดการ</translation>
        </message>
        <message>
            <source>Schedules from a file</source>
            <translation>กำหนดการจากไฟล์</translation>
        </message>
        <message>
            <source>Tables (*.csv *.xlsx)</source>
            <translation>ตาราง (*.csv *.xlsx)</translation>
        </message>
        <message>
            <source>Delete the schedule</source>
            <translation>ลบกำหนดการ</translation>
        </message>
        <message>
            <source>Deleting the schedule…</source>
            <translation>กำลังลบกำหนดการ…</translation>
        </message>
        <message>
            <source>Delete schedule %1 of %2? It will charge no more. Opn cannot undo this.</source>
            <translation>ลบกำหนดการ %1 ของ %2 ใช่หรือไม่ จะไม่มีการเรียกเก็บเงินอีก และ Opn ยกเลิกการลบไม่ได้</translation>
        </message>
        <message>
            <source>Schedules: %1, running: %2, failed runs: %3</source>
            <translation>กำหนดการ: %1, ทำงานอยู่: %2, รอบที่ล้มเหลว: %3</translation>
        </message>
        <message numerus="yes">
            <source>Every %n day(s).</source>
            <translation>
                <numerusform>ทุก %n วัน</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>every %n day(s)</source>
            <translation>
                <numerusform>ทุก %n วัน</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>every %n month(s) on day %1, or the last day of a shorter month</source>
            <translation>
                <numerusform>ทุก %n เดือน ในวันที่ %1 หรือวันสุดท้ายของเดือนที่มีวันน้อยกว่า</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>every %n month(s) on day %1</source>
            <translation>
                <numerusform>ทุก %n เดือน ในวันที่ %1</numerusform>
            </translation>
        </message>
        <message>
            <source>An unreadable cadence.</source>
            <translation>อ่านความถี่ไม่ได้</translation>
        </message>
        <message numerus="yes">
            <source>Every %n month(s) on day %1.</source>
            <translation>
                <numerusform>ทุก %n เดือน ในวันที่ %1</numerusform>
            </translation>
        </message>
        <message>
            <source>In shorter months, on the last day.</source>
            <translation>ในเดือนที่มีวันน้อยกว่า จะเป็นวันสุดท้ายของเดือน</translation>
        </message>
        <message>
            <source>on an unreadable cadence</source>
            <translation>ด้วยความถี่ที่อ่านไม่ได้</translation>
        </message>
        <message numerus="yes">
            <source>Every %n week(s) on %1.</source>
            <translation>
                <numerusform>ทุก %n สัปดาห์ ใน%1</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>every %n week(s) on %1</source>
            <translation>
                <numerusform>ทุก %n สัปดาห์ ใน%1</numerusform>
            </translation>
        </message>
        <message>
            <source>%1 and %2</source>
            <translation>%1 และ %2</translation>
        </message>
        <message numerus="yes">
            <source>Every %n month(s) on the %1 %2.</source>
            <translation>
                <numerusform>ทุก %n เดือน ใน%2%1ของเดือน</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>every %n month(s) on the %1 %2</source>
            <translation>
                <numerusform>ทุก %n เดือน ใน%2%1ของเดือน</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>SettingsDialog</name>
        <message>
            <source>Settings</source>
            <translation>การตั้งค่า</translation>
        </message>
        <message>
            <source>Display</source>
            <translation>การแสดงผล</translation>
        </message>
        <message>
            <source>System default</source>
            <translation>ตามค่าเริ่มต้นของระบบ</translation>
        </message>
        <message>
            <source>Show years in the Buddhist era, on screen and in exports</source>
            <translation>แสดงปีเป็นพุทธศักราช ทั้งบนหน้าจอและในไฟล์ที่ส่งออก</translation>
        </message>
        <message>
            <source>Language</source>
            <translation>ภาษา</translation>
        </message>
        <message>
            <source>Profile %1</source>
            <translation>โปรไฟล์ %1</translation>
        </message>
        <message>
            <source> min</source>
            <translation> นาที</translation>
        </message>
        <message>
            <source> days after opening</source>
            <translation> วันหลังเปิด</translation>
        </message>
        <message>
            <source>Asked before the first refund or capture</source>
            <translation>ถามก่อนการคืนเงินหรือเรียกเก็บเงินครั้งแรก</translation>
        </message>
        <message>
            <source>Time zone</source>
            <translation>เขตเวลา</translation>
        </message>
        <message>
            <source>Sync every</source>
            <translation>ซิงค์ทุก</translation>
        </message>
        <message>
            <source>Answer disputes within</source>
            <translation>ตอบข้อโต้แย้งการชำระเงินภายใน</translation>
        </message>
        <message>
            <source>Clerk name</source>
            <translation>ชื่อพนักงาน</translation>
        </message>
        <message>
            <source>Cache database</source>
            <translation>ฐานข้อมูลแคช</translation>
        </message>
        <message>
            <source>A SQLite file on this workstation</source>
            <translation>ไฟล์ SQLite ในเครื่องนี้</translation>
        </message>
        <message>
            <source>A PostgreSQL database shared by the team</source>
            <translation>ฐานข้อมูล PostgreSQL ที่ใช้ร่วมกันทั้งทีม</translation>
        </message>
        <message>
            <source>Choose…</source>
            <translation>เลือก…</translation>
        </message>
        <message>
            <source>Cache database file</source>
            <translation>ไฟล์ฐานข้อมูลแคช</translation>
        </message>
        <message>
            <source>SQLite databases (*.db *.sqlite)</source>
            <translation>ฐานข้อมูล SQLite (*.db *.sqlite)</translation>
        </message>
        <message>
            <source>Enter the address of the PostgreSQL database, like postgresql://user:password@host:5432/opndesk.</source>
            <translation>ใส่ที่อยู่ของฐานข้อมูล PostgreSQL เช่น postgresql://user:password@host:5432/opndesk</translation>
        </message>
        <message>
            <source>Enter the full path of the SQLite file, or press Choose… to pick a folder.</source>
            <translation>ใส่ตำแหน่งเต็มของไฟล์ SQLite หรือกด เลือก… เพื่อเลือกโฟลเดอร์</translation>
        </message>
        <message>
            <source>Reaching the database and bringing its tables up to date…</source>
            <translation>กำลังเชื่อมต่อฐานข้อมูลและปรับปรุงตารางให้เป็นปัจจุบัน…</translation>
        </message>
        <message>
            <source>%1 is not a time zone this computer knows. Pick one from the list, like Asia/Bangkok.</source>
            <translation>%1 ไม่ใช่เขตเวลาที่เครื่องนี้รู้จัก เลือกจากรายการ เช่น Asia/Bangkok</translation>
        </message>
        <message>
            <source>Sync between every 1 and every 1,440 minutes (once a day).</source>
            <translation>ซิงค์ได้ตั้งแต่ทุก 1 นาทีถึงทุก 1,440 นาที (วันละครั้ง)</translation>
        </message>
        <message>
            <source>The dispute deadline must be between 1 and 60 days after the dispute opened.</source>
            <translation>กำหนดตอบข้อโต้แย้งต้องอยู่ระหว่าง 1 ถึง 60 วันหลังข้อโต้แย้งเปิด</translation>
        </message>
        <message>
            <source>Keep the clerk name to one line of at most 80 characters.</source>
            <translation>ชื่อพนักงานต้องอยู่ในบรรทัดเดียวและยาวไม่เกิน 80 ตัวอักษร</translation>
        </message>
        <message>
            <source>This is not a database address opn-desk can read. Write it like postgresql://user:password@host:5432/opndesk.</source>
            <translation>opn-desk อ่านที่อยู่ฐานข้อมูลนี้ไม่ได้ เขียนในรูปแบบ postgresql://user:password@host:5432/opndesk</translation>
        </message>
        <message>
            <source>opn-desk keeps its cache in SQLite or PostgreSQL only; %1 is not supported.</source>
            <translation>opn-desk เก็บแคชได้เฉพาะใน SQLite หรือ PostgreSQL ไม่รองรับ %1</translation>
        </message>
        <message>
            <source>opn-desk could not open this database: %1. Check the address, the user and the password, then save again.</source>
            <translation>opn-desk เปิดฐานข้อมูลนี้ไม่ได้: %1 ตรวจสอบที่อยู่ ชื่อผู้ใช้ และรหัสผ่าน แล้วบันทึกอีกครั้ง</translation>
        </message>
        <message>
            <source>This database was set up by a newer opn-desk. Update opn-desk on this workstation before using it.</source>
            <translation>ฐานข้อมูลนี้ถูกตั้งค่าโดย opn-desk รุ่นที่ใหม่กว่า อัปเดต opn-desk ในเครื่องนี้ก่อนใช้งาน</translation>
        </message>
        <message>
            <source>opn-desk reached the database but could not create its tables there: %1. Ask its administrator for the right to create tables.</source>
            <translation>opn-desk เชื่อมต่อฐานข้อมูลได้แต่สร้างตารางไม่ได้: %1 ขอสิทธิ์สร้างตารางจากผู้ดูแลฐานข้อมูล</translation>
        </message>
    </context>
    <context>
        <name>SyncPanel</name>
        <message>
            <source>Sync now</source>
            <translation>ซิงค์ตอนนี้</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>ยกเลิก</translation>
        </message>
        <message>
            <source>Retry</source>
            <translation>ลองใหม่</translation>
        </message>
    </context>
    <context>
        <name>SyncStatusTableModel</name>
        <message>
            <source>Resource</source>
            <translation>ประเภทข้อมูล</translation>
        </message>
        <message>
            <source>Last synced</source>
            <translation>ซิงค์ล่าสุด</translation>
        </message>
        <message>
            <source>Objects</source>
            <translation>จำนวนรายการ</translation>
        </message>
        <message>
            <source>Progress</source>
            <translation>ความคืบหน้า</translation>
        </message>
        <message>
            <source>Problem</source>
            <translation>ปัญหา</translation>
        </message>
        <message>
            <source>Charges</source>
            <translation>รายการชำระเงิน</translation>
        </message>
        <message>
            <source>Refunds</source>
            <translation>การคืนเงิน</translation>
        </message>
        <message>
            <source>Disputes</source>
            <translation>ข้อโต้แย้งการชำระเงิน</translation>
        </message>
        <message>
            <source>Schedules</source>
            <translation>กำหนดการ</translation>
        </message>
        <message>
            <source>Customers</source>
            <translation>ลูกค้า</translation>
        </message>
        <message>
            <source>Balance transactions</source>
            <translation>ธุรกรรมยอดคงเหลือ</translation>
        </message>
        <message>
            <source>Events</source>
            <translation>เหตุการณ์</translation>
        </message>
        <message>
            <source>Never</source>
            <translation>ยังไม่เคย</translation>
        </message>
        <message>
            <source>Up to date</source>
            <translation>เป็นปัจจุบัน</translation>
        </message>
        <message>
            <source>%1 of %2</source>
            <translation>%1 จาก %2</translation>
        </message>
    </context>
    <context>
        <name>TransactionsTab</name>
        <message>
            <source>Transactions</source>
            <translation>รายการชำระเงิน</translation>
        </message>
        <message>
            <source>Counting…</source>
            <translation>กำลังนับ…</translation>
        </message>
        <message>
            <source>No charges match.</source>
            <translation>ไม่มีรายการชำระเงินที่ตรงกัน</translation>
        </message>
        <message>
            <source>1 charge</source>
            <translation>1 รายการชำระเงิน</translation>
        </message>
        <message>
            <source>%1 charges</source>
            <translation>%1 รายการชำระเงิน</translation>
        </message>
        <message>
            <source>Refund…</source>
            <translation>คืนเงิน…</translation>
        </message>
        <message>
            <source>Capture…</source>
            <translation>เรียกเก็บเงิน…</translation>
        </message>
        <message>
            <source>Copy charge id</source>
            <translation>คัดลอกรหัสรายการชำระเงิน</translation>
        </message>
    </context>
    <context>
        <name>TransactionsTableModel</name>
        <message>
            <source>Date</source>
            <translation>วันที่</translation>
        </message>
        <message>
            <source>Charge</source>
            <translation>รายการชำระเงิน</translation>
        </message>
        <message>
            <source>Amount</source>
            <translation>จำนวนเงิน</translation>
        </message>
        <message>
            <source>Status</source>
            <translation>สถานะ</translation>
        </message>
        <message>
            <source>Payment method</source>
            <translation>วิธีการชำระเงิน</translation>
        </message>
        <message>
            <source>Description</source>
            <translation>คำอธิบาย</translation>
        </message>
        <message>
            <source>Branch</source>
            <translation>สาขา</translation>
        </message>
        <message>
            <source>Campaign</source>
            <translation>แคมเปญ</translation>
        </message>
        <message>
            <source>Refunded</source>
            <translation>คืนเงินแล้ว</translation>
        </message>
        <message>
            <source>Card</source>
            <translation>บัตร</translation>
        </message>
        <message>
            <source>Order id</source>
            <translation>รหัสคำสั่งซื้อ</translation>
        </message>
        <message>
            <source>Currency</source>
            <translation>สกุลเงิน</translation>
        </message>
    </context>
    <context>
        <name>WelcomeDialog</name>
        <message>
            <source>Welcome to opn-desk</source>
            <translation>ยินดีต้อนรับสู่ opn-desk</translation>
        </message>
        <message>
            <source>opn-desk keeps a copy of your Opn Payments account on this workstation. Try it first on the built-in sandbox, a local stand-in for the Opn API filled with sample charges, or connect your own account.</source>
            <translation>opn-desk เก็บสำเนาข้อมูลบัญชี Opn Payments ของคุณไว้ในเครื่องนี้ ลองใช้งานกับแซนด์บ็อกซ์ในตัวก่อน ซึ่งเป็นระบบจำลอง Opn API ในเครื่องที่มีรายการชำระเงินตัวอย่าง หรือเชื่อมต่อบัญชีของคุณเอง</translation>
        </message>
        <message>
            <source>Try the sandbox (no account needed)</source>
            <translation>ลองใช้แซนด์บ็อกซ์ (ไม่ต้องมีบัญชี)</translation>
        </message>
        <message>
            <source>Connect an Opn account</source>
            <translation>เชื่อมต่อบัญชี Opn</translation>
        </message>
        <message>
            <source>Continue</source>
            <translation>ดำเนินการต่อ</translation>
        </message>
        <message>
            <source>The secret key of this profile is not in the keyring. Enter it to go on.</source>
            <translation>ไม่พบคีย์ลับของโปรไฟล์นี้ในที่เก็บรหัสของระบบ (keyring) ใส่คีย์เพื่อดำเนินการต่อ</translation>
        </message>
        <message>
            <source>Opn account</source>
            <translation>บัญชี Opn</translation>
        </message>
        <message>
            <source>My shop</source>
            <translation>ร้านของฉัน</translation>
        </message>
        <message>
            <source>Profile name</source>
            <translation>ชื่อโปรไฟล์</translation>
        </message>
        <message>
            <source>Secret key</source>
            <translation>คีย์ลับ</translation>
        </message>
        <message>
            <source>API address</source>
            <translation>ที่อยู่ API</translation>
        </message>
        <message>
            <source>Give the profile a name, then continue.</source>
            <translation>ตั้งชื่อโปรไฟล์ แล้วดำเนินการต่อ</translation>
        </message>
        <message>
            <source>Checking the key with Opn…</source>
            <translation>กำลังตรวจสอบคีย์กับ Opn…</translation>
        </message>
        <message>
            <source>Use for this session only</source>
            <translation>ใช้เฉพาะการใช้งานครั้งนี้</translation>
        </message>
        <message>
            <source>This is a public key (pkey_…). opn-desk needs the secret key (skey_…), found in the Opn dashboard under Keys.</source>
            <translation>นี่คือคีย์สาธารณะ (pkey_…) opn-desk ต้องใช้คีย์ลับ (skey_…) ซึ่งอยู่ในแดชบอร์ด Opn ที่เมนู Keys</translation>
        </message>
        <message>
            <source>This does not look like an Opn secret key. Copy the key that starts with skey_ from the Opn dashboard under Keys.</source>
            <translation>ข้อความนี้ไม่ใช่คีย์ลับของ Opn คัดลอกคีย์ที่ขึ้นต้นด้วย skey_ จากแดชบอร์ด Opn ที่เมนู Keys</translation>
        </message>
    </context>
    <context>
        <name>WindowMenus</name>
        <message>
            <source>&amp;File</source>
            <translation>ไฟล์ (&amp;F)</translation>
        </message>
        <message>
            <source>&amp;Export…</source>
            <translation>ส่งออก… (&amp;E)</translation>
        </message>
        <message>
            <source>&amp;Settings…</source>
            <translation>การตั้งค่า… (&amp;S)</translation>
        </message>
        <message>
            <source>&amp;Quit</source>
            <translation>ออก (&amp;Q)</translation>
        </message>
        <message>
            <source>&amp;Edit</source>
            <translation>แก้ไข (&amp;E)</translation>
        </message>
        <message>
            <source>&amp;Find</source>
            <translation>ค้นหา (&amp;F)</translation>
        </message>
        <message>
            <source>&amp;Go</source>
            <translation>ไปที่ (&amp;G)</translation>
        </message>
        <message>
            <source>&amp;Next record</source>
            <translation>รายการถัดไป (&amp;N)</translation>
        </message>
        <message>
            <source>&amp;Previous record</source>
            <translation>รายการก่อนหน้า (&amp;P)</translation>
        </message>
        <message>
            <source>&amp;Actions</source>
            <translation>คำสั่ง (&amp;A)</translation>
        </message>
        <message>
            <source>&amp;Refresh from Opn</source>
            <translation>รีเฟรชจาก Opn (&amp;R)</translation>
        </message>
        <message>
            <source>&amp;Refund…</source>
            <translation>คืนเงิน… (&amp;R)</translation>
        </message>
        <message>
            <source>Refund &amp;selected charges…</source>
            <translation>คืนเงินรายการชำระเงินที่เลือก… (&amp;S)</translation>
        </message>
        <message>
            <source>&amp;Capture or release…</source>
            <translation>เรียกเก็บเงินหรือปล่อยวงเงินคืน… (&amp;C)</translation>
        </message>
        <message>
            <source>&amp;View</source>
            <translation>มุมมอง (&amp;V)</translation>
        </message>
        <message>
            <source>Show &amp;log…</source>
            <translation>แสดงล็อก… (&amp;L)</translation>
        </message>
        <message>
            <source>&amp;Help</source>
            <translation>ช่วยเหลือ (&amp;H)</translation>
        </message>
        <message>
            <source>&amp;About opn-desk</source>
            <translation>เกี่ยวกับ opn-desk (&amp;A)</translation>
        </message>
        <message>
            <source>Sync &amp;panel</source>
            <translation>แผงการซิงค์ (&amp;P)</translation>
        </message>
        <message>
            <source>&amp;Operations needing attention</source>
            <translation>การดำเนินการที่ต้องตรวจสอบ (&amp;O)</translation>
        </message>
    </context>
    <context>
        <name>WorkspaceTabs</name>
        <message>
            <source>Transactions</source>
            <translation>รายการชำระเงิน</translation>
        </message>
        <message>
            <source>Refunds</source>
            <translation>การคืนเงิน</translation>
        </message>
        <message>
            <source>Capture</source>
            <translation>เรียกเก็บเงิน</translation>
        </message>
        <message>
            <source>Disputes</source>
            <translation>ข้อโต้แย้งการชำระเงิน</translation>
        </message>
        <message>
            <source>Schedules</source>
            <translation>กำหนดการ</translation>
        </message>
        <message>
            <source>Reports</source>
            <translation>รายงาน</translation>
        </message>
        <message>
            <source>Audit log</source>
            <translation>บันทึกการตรวจสอบ</translation>
        </message>
        <message>
            <source>Disputes (%1 open)</source>
            <translation>ข้อโต้แย้งการชำระเงิน (เปิดอยู่ %1)</translation>
        </message>
    </context>
    <context>
        <name>WriteActions</name>
        <message>
            <source>A name is needed before any refund or capture. Type your name and press OK, or press Cancel to stop.</source>
            <translation>ต้องใส่ชื่อก่อนคืนเงินหรือเรียกเก็บเงิน พิมพ์ชื่อของคุณแล้วกด "ตกลง" หรือกด "ยกเลิก" เพื่อหยุด</translation>
        </message>
        <message>
            <source>Who is working?</source>
            <translation>ใครกำลังใช้งาน</translation>
        </message>
        <message>
            <source>Enter your name. opn-desk records it with every refund and capture you make on this profile.</source>
            <translation>ใส่ชื่อของคุณ opn-desk จะบันทึกชื่อไว้กับทุกการคืนเงินและการเรียกเก็บเงินที่คุณทำในโปรไฟล์นี้</translation>
        </message>
    </context>
    <context>
        <name>errors</name>
        <message>
            <source>Something went wrong and opn-desk could not finish. The details are in the log.</source>
            <translation>เกิดข้อผิดพลาดและ opn-desk ทำงานไม่เสร็จ รายละเอียดอยู่ในล็อก</translation>
        </message>
        <message>
            <source>opn-desk cannot reach the Opn API. Check the network connection; everything already synced stays available.</source>
            <translation>opn-desk ติดต่อ Opn API ไม่ได้ ตรวจสอบการเชื่อมต่อเครือข่าย ข้อมูลที่ซิงค์ไว้แล้วยังใช้งานได้ทั้งหมด</translation>
        </message>
        <message>
            <source>The Opn API did not answer in time. Try again in a moment; everything already synced stays available.</source>
            <translation>Opn API ไม่ตอบกลับภายในเวลาที่กำหนด ลองอีกครั้งในอีกสักครู่ ข้อมูลที่ซิงค์ไว้แล้วยังใช้งานได้ทั้งหมด</translation>
        </message>
        <message>
            <source>The Opn API refused the secret key. Check that the key is a secret key (skey_…) of this account and enter it again.</source>
            <translation>Opn API ปฏิเสธคีย์ลับ ตรวจสอบว่าเป็นคีย์ลับ (skey_…) ของบัญชีนี้ แล้วใส่อีกครั้ง</translation>
        </message>
        <message>
            <source>The Opn API asked opn-desk to slow down. The sync will go on by itself in a moment.</source>
            <translation>Opn API ขอให้ opn-desk ลดความถี่ในการเรียก การซิงค์จะทำต่อเองในอีกสักครู่</translation>
        </message>
        <message>
            <source>The Opn API had a problem of its own. Try again in a few minutes.</source>
            <translation>Opn API มีปัญหาของระบบเอง ลองอีกครั้งในอีกไม่กี่นาที</translation>
        </message>
        <message>
            <source>The secret key of this profile is not in the keyring. Enter the key again to go on.</source>
            <translation>ไม่พบคีย์ลับของโปรไฟล์นี้ในที่เก็บรหัสของระบบ (keyring) ใส่คีย์อีกครั้งเพื่อดำเนินการต่อ</translation>
        </message>
        <message>
            <source>No keyring is available on this workstation, so opn-desk cannot keep the secret key. It is used for this session only and must be entered again next time.</source>
            <translation>เครื่องนี้ไม่มีที่เก็บรหัสของระบบ (keyring) opn-desk จึงเก็บคีย์ลับไว้ไม่ได้ คีย์จะใช้เฉพาะการใช้งานครั้งนี้ และต้องใส่ใหม่ในครั้งถัดไป</translation>
        </message>
        <message>
            <source>The Opn API refused the request: %1</source>
            <translation>Opn API ปฏิเสธคำขอ: %1</translation>
        </message>
        <message>
            <source>The sandbox did not start. Its log is %1.</source>
            <translation>แซนด์บ็อกซ์ไม่เริ่มทำงาน ล็อกของแซนด์บ็อกซ์อยู่ที่ %1</translation>
        </message>
    </context>
    <context>
        <name>labels</name>
        <message>
            <source>Pending</source>
            <translation>รอดำเนินการ</translation>
        </message>
        <message>
            <source>Successful</source>
            <translation>สำเร็จ</translation>
        </message>
        <message>
            <source>Failed</source>
            <translation>ล้มเหลว</translation>
        </message>
        <message>
            <source>Reversed</source>
            <translation>ปล่อยวงเงินคืนแล้ว</translation>
        </message>
        <message>
            <source>Expired</source>
            <translation>หมดอายุ</translation>
        </message>
        <message>
            <source>Card</source>
            <translation>บัตร</translation>
        </message>
        <message>
            <source>SCB mobile banking</source>
            <translation>SCB โมบายแบงกิ้ง</translation>
        </message>
        <message>
            <source>K PLUS mobile banking</source>
            <translation>K PLUS โมบายแบงกิ้ง</translation>
        </message>
        <message>
            <source>Bangkok Bank mobile banking</source>
            <translation>โมบายแบงกิ้งธนาคารกรุงเทพ</translation>
        </message>
        <message>
            <source>Krungsri mobile banking</source>
            <translation>โมบายแบงกิ้งกรุงศรี</translation>
        </message>
        <message>
            <source>Krungthai mobile banking</source>
            <translation>โมบายแบงกิ้งกรุงไทย</translation>
        </message>
        <message>
            <source>%1 installments</source>
            <translation>ผ่อนชำระกับ %1</translation>
        </message>
    </context>
    <context>
        <name>refusals</name>
        <message>
            <source>Enter the amount as a number, for example 1,250.50.</source>
            <translation>ใส่จำนวนเงินเป็นตัวเลข เช่น 1,250.50</translation>
        </message>
        <message>
            <source>opn-desk could not confirm this with Opn. It will check again by itself; do not repeat it by hand.</source>
            <translation>opn-desk ยืนยันรายการนี้กับ Opn ไม่ได้ ระบบจะตรวจสอบอีกครั้งเอง อย่าทำซ้ำด้วยตนเอง</translation>
        </message>
        <message>
            <source>This charge is disputed, and Opn takes no refund on a disputed charge. Answer the dispute in the Disputes tab instead.</source>
            <translation>รายการชำระเงินนี้มีข้อโต้แย้ง และ Opn ไม่รับการคืนเงินของรายการที่มีข้อโต้แย้ง ให้ตอบข้อโต้แย้งในแท็บข้อโต้แย้งการชำระเงินแทน</translation>
        </message>
        <message>
            <source>This charge was never paid, so there is nothing to refund. An authorization can be released in the Capture tab.</source>
            <translation>รายการชำระเงินนี้ยังไม่เคยชำระ จึงไม่มีเงินให้คืน การอนุมัติวงเงินปล่อยคืนได้ในแท็บเรียกเก็บเงิน</translation>
        </message>
        <message>
            <source>This charge has already been refunded in full.</source>
            <translation>รายการชำระเงินนี้คืนเงินเต็มจำนวนแล้ว</translation>
        </message>
        <message>
            <source>This charge already has 15 refunds, the most Opn allows on one charge.</source>
            <translation>รายการชำระเงินนี้มีการคืนเงินแล้ว 15 ครั้ง ซึ่งเป็นจำนวนสูงสุดที่ Opn อนุญาตต่อหนึ่งรายการ</translation>
        </message>
        <message>
            <source>The refund window of this charge has closed (365 days after payment, 160 for JCB, American Express and Diners cards). Contact Opn support to return the money another way.</source>
            <translation>หมดเขตคืนเงินของรายการชำระเงินนี้แล้ว (365 วันหลังชำระเงิน หรือ 160 วันสำหรับบัตร JCB, American Express และ Diners) ติดต่อฝ่ายสนับสนุนของ Opn เพื่อคืนเงินด้วยวิธีอื่น</translation>
        </message>
        <message>
            <source>Opn does not refund this payment method through the API. Return the money to the customer another way.</source>
            <translation>Opn ไม่รองรับการคืนเงินของวิธีการชำระเงินนี้ผ่าน API คืนเงินให้ลูกค้าด้วยวิธีอื่น</translation>
        </message>
        <message>
            <source>Enter an amount greater than zero.</source>
            <translation>ใส่จำนวนเงินที่มากกว่าศูนย์</translation>
        </message>
        <message>
            <source>The amount is more than what is left to refund on this charge.</source>
            <translation>จำนวนเงินมากกว่ายอดที่คืนได้ของรายการชำระเงินนี้</translation>
        </message>
        <message>
            <source>This payment method takes full refunds only: refund everything that is left, or nothing.</source>
            <translation>วิธีการชำระเงินนี้คืนเงินได้เต็มจำนวนเท่านั้น: คืนทั้งหมดที่เหลือ หรือไม่คืนเลย</translation>
        </message>
        <message>
            <source>Opn does not allow this refund now.</source>
            <translation>ขณะนี้ Opn ไม่อนุญาตให้คืนเงินนี้</translation>
        </message>
        <message>
            <source>This charge cannot be captured: it is not an uncaptured card authorization any more. Sync to see its current state.</source>
            <translation>เรียกเก็บเงินรายการนี้ไม่ได้: รายการนี้ไม่ใช่การอนุมัติวงเงินบัตรที่รอเรียกเก็บแล้ว ซิงค์เพื่อดูสถานะปัจจุบัน</translation>
        </message>
        <message>
            <source>The authorization has lapsed and its money was released. Ask the customer to pay again.</source>
            <translation>การอนุมัติวงเงินหมดอายุและวงเงินถูกปล่อยคืนแล้ว ขอให้ลูกค้าชำระเงินใหม่</translation>
        </message>
        <message>
            <source>The amount is more than was authorized on this charge.</source>
            <translation>จำนวนเงินมากกว่าวงเงินที่อนุมัติของรายการชำระเงินนี้</translation>
        </message>
        <message>
            <source>This authorization can only be captured in full (it is not a pre-authorization).</source>
            <translation>การอนุมัติวงเงินนี้เรียกเก็บได้เต็มจำนวนเท่านั้น (ไม่ใช่การอนุมัติวงเงินล่วงหน้า)</translation>
        </message>
        <message>
            <source>This authorization can no longer be released.</source>
            <translation>การอนุมัติวงเงินนี้ปล่อยคืนไม่ได้แล้ว</translation>
        </message>
        <message>
            <source>Opn does not allow this capture now.</source>
            <translation>ขณะนี้ Opn ไม่อนุญาตให้เรียกเก็บเงินนี้</translation>
        </message>
        <message>
            <source>Enter an amount.</source>
            <translation>ใส่จำนวนเงิน</translation>
        </message>
        <message>
            <source>Enter at most two decimals.</source>
            <translation>ใส่ทศนิยมไม่เกินสองตำแหน่ง</translation>
        </message>
        <message>
            <source>Yen amounts have no decimals; enter a whole number.</source>
            <translation>จำนวนเงินเยนไม่มีทศนิยม ใส่จำนวนเต็ม</translation>
        </message>
        <message>
            <source>Refunded. Opn's refund id is %1.</source>
            <translation>คืนเงินแล้ว รหัสการคืนเงินของ Opn คือ %1</translation>
        </message>
        <message>
            <source>Captured. The rest of the authorization was released.</source>
            <translation>เรียกเก็บเงินแล้ว วงเงินส่วนที่เหลือถูกปล่อยคืนแล้ว</translation>
        </message>
        <message>
            <source>Released. The customer's money is no longer held.</source>
            <translation>ปล่อยวงเงินคืนแล้ว เงินของลูกค้าไม่ถูกกันไว้อีกต่อไป</translation>
        </message>
        <message>
            <source>Done.</source>
            <translation>เสร็จแล้ว</translation>
        </message>
        <message>
            <source>Opn refused it: %1. Nothing was changed.</source>
            <translation>Opn ปฏิเสธ: %1 ไม่มีสิ่งใดเปลี่ยนแปลง</translation>
        </message>
    </context>
</TS>
