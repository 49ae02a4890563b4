#!/usr/bin/env python3
"""Generates the supplement-loop and rejection path-pattern diagrams (processes/diagrams/) with
BPMNDI layout. Run once; the output is committed and edited in the modeler afterwards."""
import sys

def camel(s):
    parts = s.split('-')
    return parts[0] + ''.join(p.capitalize() for p in parts[1:])

def build(pid, name, cat, item_code, nodes, flows):
    """nodes: list of dict(id, kind: start|task|xgw|end, name, x, y, [window, level, kind2, limit, default])
       flows: list of (id, src, tgt, name, condition, waypoints or None)"""
    by = {n['id']: n for n in nodes}
    inc = {n['id']: [] for n in nodes}
    out = {n['id']: [] for n in nodes}
    for f in flows:
        out[f[1]].append(f[0]); inc[f[2]].append(f[0])
    L = []
    A = L.append
    A('<?xml version="1.0" encoding="UTF-8"?>')
    A('<bpmn:definitions xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:svc="http://xinyi.gov.cn/schema/bpmn/service-centre" id="%s-definitions" targetNamespace="http://xinyi.gov.cn/bpmn/processes">' % pid)
    A('  <bpmn:process id="%s" name="%s" isExecutable="true" svc:itemCode="%s" svc:caseCategory="%s" svc:orgLevel="town">' % (pid, name, item_code, cat))
    extra_flows = []
    extra_nodes = []
    for n in nodes:
        io = ''.join('\n      <bpmn:incoming>%s</bpmn:incoming>' % i for i in inc[n['id']]) + ''.join('\n      <bpmn:outgoing>%s</bpmn:outgoing>' % o for o in out[n['id']])
        if n['kind'] == 'start':
            A('    <bpmn:startEvent id="%s" name="%s">%s\n    </bpmn:startEvent>' % (n['id'], n['name'], io))
        elif n['kind'] == 'end':
            A('    <bpmn:endEvent id="%s" name="%s">%s\n    </bpmn:endEvent>' % (n['id'], n['name'], io))
        elif n['kind'] == 'xgw':
            A('    <bpmn:exclusiveGateway id="%s" name="%s" default="%s">%s\n    </bpmn:exclusiveGateway>' % (n['id'], n['name'], n['default'], io))
        else:
            tid = n['id']
            group = 'town-window'
            A('    <bpmn:userTask id="%s" name="%s" camunda:candidateGroups="%s" camunda:formKey="form:%s" svc:timeLimit="%s" svc:window="%s" svc:orgLevel="town" svc:stepKind="%s">%s\n    </bpmn:userTask>' % (tid, n['name'], group, tid, n['limit'], n['window'], n['step'], io))
            lim = camel(tid) + 'Limit'
            A('    <bpmn:boundaryEvent id="%s-deadline" name="超时" cancelActivity="false" attachedToRef="%s">\n      <bpmn:outgoing>%s-to-escalate</bpmn:outgoing>\n      <bpmn:timerEventDefinition id="%s-deadline-timer">\n        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">${%s || \'%s\'}</bpmn:timeDuration>\n      </bpmn:timerEventDefinition>\n    </bpmn:boundaryEvent>' % (tid, tid, tid, tid, lim, n['iso']))
            A('    <bpmn:intermediateThrowEvent id="%s-escalate" name="超时督办">\n      <bpmn:incoming>%s-to-escalate</bpmn:incoming>\n      <bpmn:outgoing>%s-to-escalated</bpmn:outgoing>\n      <bpmn:escalationEventDefinition id="%s-escalation" escalationRef="deadline-breach" />\n    </bpmn:intermediateThrowEvent>' % (tid, tid, tid, tid))
            A('    <bpmn:endEvent id="%s-escalated" name="已移交督办">\n      <bpmn:incoming>%s-to-escalated</bpmn:incoming>\n    </bpmn:endEvent>' % (tid, tid))
            extra_flows.append(('%s-to-escalate' % tid, '%s-deadline' % tid, '%s-escalate' % tid))
            extra_flows.append(('%s-to-escalated' % tid, '%s-escalate' % tid, '%s-escalated' % tid))
    for f in flows:
        fid, src, tgt, fname, cond, _ = f
        nm = ' name="%s"' % fname if fname else ''
        if cond:
            A('    <bpmn:sequenceFlow id="%s"%s sourceRef="%s" targetRef="%s">\n      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">%s</bpmn:conditionExpression>\n    </bpmn:sequenceFlow>' % (fid, nm, src, tgt, cond))
        else:
            A('    <bpmn:sequenceFlow id="%s"%s sourceRef="%s" targetRef="%s" />' % (fid, nm, src, tgt))
    for fid, src, tgt in extra_flows:
        A('    <bpmn:sequenceFlow id="%s" sourceRef="%s" targetRef="%s" />' % (fid, src, tgt))
    A('  </bpmn:process>')
    A('  <bpmn:escalation id="deadline-breach" name="超时督办" escalationCode="deadline.breach" />')
    A('  <bpmndi:BPMNDiagram id="%s-diagram">\n    <bpmndi:BPMNPlane id="%s-plane" bpmnElement="%s">' % (pid, pid, pid))
    def bounds(n):
        if n['kind'] in ('start', 'end'): return (n['x'], n['y'], 36, 36)
        if n['kind'] == 'xgw': return (n['x'], n['y'], 50, 50)
        return (n['x'], n['y'], 100, 80)
    def center(n):
        x, y, w, h = bounds(n); return (x + w / 2, y + h / 2)
    for n in nodes:
        x, y, w, h = bounds(n)
        marker = ' isMarkerVisible="true"' if n['kind'] == 'xgw' else ''
        label = '' if n['kind'] == 'task' else '\n        <bpmndi:BPMNLabel><dc:Bounds x="%d" y="%d" width="%d" height="14" /></bpmndi:BPMNLabel>' % (x - 10, y + h + 4, w + 20)
        A('      <bpmndi:BPMNShape id="%s-di" bpmnElement="%s"%s>\n        <dc:Bounds x="%d" y="%d" width="%d" height="%d" />%s\n      </bpmndi:BPMNShape>' % (n['id'], n['id'], marker, x, y, w, h, label))
        if n['kind'] == 'task':
            bx, by_ = x + 32, y + 62
            A('      <bpmndi:BPMNShape id="%s-deadline-di" bpmnElement="%s-deadline">\n        <dc:Bounds x="%d" y="%d" width="36" height="36" />\n      </bpmndi:BPMNShape>' % (n['id'], n['id'], bx, by_))
            A('      <bpmndi:BPMNShape id="%s-escalate-di" bpmnElement="%s-escalate">\n        <dc:Bounds x="%d" y="%d" width="36" height="36" />\n      </bpmndi:BPMNShape>' % (n['id'], n['id'], bx, by_ + 80))
            A('      <bpmndi:BPMNShape id="%s-escalated-di" bpmnElement="%s-escalated">\n        <dc:Bounds x="%d" y="%d" width="36" height="36" />\n      </bpmndi:BPMNShape>' % (n['id'], n['id'], bx + 80, by_ + 80))
            A('      <bpmndi:BPMNEdge id="%s-to-escalate-di" bpmnElement="%s-to-escalate">\n        <di:waypoint x="%d" y="%d" />\n        <di:waypoint x="%d" y="%d" />\n      </bpmndi:BPMNEdge>' % (n['id'], n['id'], bx + 18, by_ + 36, bx + 18, by_ + 80))
            A('      <bpmndi:BPMNEdge id="%s-to-escalated-di" bpmnElement="%s-to-escalated">\n        <di:waypoint x="%d" y="%d" />\n        <di:waypoint x="%d" y="%d" />\n      </bpmndi:BPMNEdge>' % (n['id'], n['id'], bx + 36, by_ + 98, bx + 80, by_ + 98))
    for f in flows:
        fid, src, tgt, fname, cond, wps = f
        if wps is None:
            s, t = by[src], by[tgt]
            sx, sy, sw, sh = bounds(s); tx, ty, tw, th = bounds(t)
            sc, tc = center(s), center(t)
            if abs(sc[1] - tc[1]) < 1:
                wps = [(sx + sw, sc[1]), (tx, tc[1])]
            else:
                # leave the source on its right (or bottom for gateways), enter the target from the left
                if s['kind'] == 'xgw':
                    start = (sc[0], sy + sh if tc[1] > sc[1] else sy)
                    wps = [start, (start[0], tc[1]), (tx, tc[1])]
                else:
                    wps = [(sx + sw, sc[1]), (tx - 20, sc[1]), (tx - 20, tc[1]), (tx, tc[1])]
        pts = ''.join('\n        <di:waypoint x="%d" y="%d" />' % p for p in wps)
        A('      <bpmndi:BPMNEdge id="%s-di" bpmnElement="%s">%s\n      </bpmndi:BPMNEdge>' % (fid, fid, pts))
    A('    </bpmndi:BPMNPlane>\n  </bpmndi:BPMNDiagram>\n</bpmn:definitions>\n')
    return '\n'.join(L)

Y = 200
supplement = build('supplement-item', '补办件办理流程（审查中补正）', 'supplement', 'TPL-SUPPLEMENT', [
    dict(id='application-received', kind='start', name='申请受理', x=150, y=Y + 22),
    dict(id='accept', kind='task', name='窗口受理', x=230, y=Y, window='receiving', step='accept', limit='1WD', iso='PT8H'),
    dict(id='review', kind='task', name='部门审查', x=400, y=Y, window='item-department', step='review', limit='3WD', iso='P3D'),
    dict(id='review-result', kind='xgw', name='审查结论', x=565, y=Y + 15, default='review-approved'),
    dict(id='await-supplement', kind='task', name='等待申请人补正', x=400, y=Y - 170, window='receiving', step='await-applicant', limit='5WD', iso='P5D'),
    dict(id='notify-result', kind='task', name='告知申请人办理结果', x=680, y=Y, window='receiving', step='notify', limit='1WD', iso='P1D'),
    dict(id='case-completed', kind='end', name='办结', x=842, y=Y + 22),
    dict(id='notify-rejection', kind='task', name='告知申请人不予许可', x=680, y=Y + 170, window='receiving', step='notify', limit='1WD', iso='P1D'),
    dict(id='case-rejected', kind='end', name='不予许可', x=842, y=Y + 192),
], [
    ('to-accept', 'application-received', 'accept', None, None, None),
    ('to-review', 'accept', 'review', None, None, None),
    ('to-review-result', 'review', 'review-result', None, None, None),
    ('review-approved', 'review-result', 'notify-result', '同意', None, None),
    ('review-supplement', 'review-result', 'await-supplement', '需补正', "${decision == 'supplement'}", [(590, Y + 15), (590, Y - 130), (500, Y - 130)]),
    ('supplement-back', 'await-supplement', 'review', '补正到件', None, [(450, Y - 90), (450, Y)]),
    ('review-rejected', 'review-result', 'notify-rejection', '不予许可', "${decision == 'reject'}", None),
    ('review-returned', 'review-result', 'accept', '退回', "${decision == 'return'}", [(590, Y + 65), (590, Y + 120), (280, Y + 120), (280, Y + 80)]),
    ('to-completed', 'notify-result', 'case-completed', None, None, None),
    ('to-rejected', 'notify-rejection', 'case-rejected', None, None, None),
])
rejection = build('rejection-item', '退回件办理流程（政策与规划符合性审查）', 'rejected', 'TPL-REJECTION', [
    dict(id='application-received', kind='start', name='申请受理', x=150, y=Y + 22),
    dict(id='accept', kind='task', name='窗口受理', x=230, y=Y, window='receiving', step='accept', limit='1WD', iso='PT8H'),
    dict(id='conformity-review', kind='task', name='政策与规划符合性审查', x=400, y=Y, window='item-department', step='review', limit='3WD', iso='P3D'),
    dict(id='conformity-result', kind='xgw', name='是否符合', x=565, y=Y + 15, default='conforms'),
    dict(id='approve', kind='task', name='部门审批', x=680, y=Y, window='item-department', step='approve', limit='5WD', iso='P5D'),
    dict(id='approve-result', kind='xgw', name='审批结论', x=845, y=Y + 15, default='approved'),
    dict(id='notify-result', kind='task', name='告知申请人办理结果', x=960, y=Y, window='receiving', step='notify', limit='1WD', iso='P1D'),
    dict(id='case-completed', kind='end', name='办结', x=1122, y=Y + 22),
    dict(id='return-notice', kind='task', name='出具退回通知书', x=960, y=Y + 170, window='receiving', step='notify', limit='1WD', iso='P1D'),
    dict(id='case-returned', kind='end', name='退回', x=1122, y=Y + 192),
], [
    ('to-accept', 'application-received', 'accept', None, None, None),
    ('to-conformity-review', 'accept', 'conformity-review', None, None, None),
    ('to-conformity-result', 'conformity-review', 'conformity-result', None, None, None),
    ('conforms', 'conformity-result', 'approve', '符合', None, None),
    ('not-conforming', 'conformity-result', 'return-notice', '不符合政策或规划', "${decision == 'reject'}", None),
    ('conformity-returned', 'conformity-result', 'accept', '退回', "${decision == 'return'}", [(590, Y + 15), (590, Y - 40), (280, Y - 40), (280, Y)]),
    ('to-approve-result', 'approve', 'approve-result', None, None, None),
    ('approved', 'approve-result', 'notify-result', '准予', None, None),
    ('approve-rejected', 'approve-result', 'return-notice', '不予许可', "${decision == 'reject'}", None),
    ('approve-returned', 'approve-result', 'conformity-review', '退回', "${decision == 'return'}", [(870, Y + 15), (870, Y - 60), (450, Y - 60), (450, Y)]),
    ('to-completed', 'notify-result', 'case-completed', None, None, None),
    ('to-returned', 'return-notice', 'case-returned', None, None, None),
])
out = sys.argv[1] if len(sys.argv) > 1 else 'processes/diagrams'
open(f'{out}/supplement-item.bpmn', 'w').write(supplement)
open(f'{out}/rejection-item.bpmn', 'w').write(rejection)
print('written')
