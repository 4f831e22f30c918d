/** Provider type tokens the rules check (verified against `__pulumiType` of the installed providers). */
export const T = {
  sgIngressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  sgEgressRule: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  sgRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  defaultSecurityGroup: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  instance: "aws:ec2/instance:Instance",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  ebsVolume: "aws:ebs/volume:Volume",
  vpc: "aws:ec2/vpc:Vpc",
  flowLog: "aws:ec2/flowLog:FlowLog",
  container: "docker:index/container:Container",
  zoneSetting: "cloudflare:index/zoneSetting:ZoneSetting",
  dnsRecord: "cloudflare:index/dnsRecord:DnsRecord",
  ruleset: "cloudflare:index/ruleset:Ruleset",
  aopSettings: "cloudflare:index/authenticatedOriginPullsSettings:AuthenticatedOriginPullsSettings",
} as const;
