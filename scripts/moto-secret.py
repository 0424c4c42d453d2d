# Prepares the moto server of scripts/test-services.sh for the Secrets Manager tests: an IAM user with a key
# (moto checks signatures once INITIAL_NO_AUTH_ACTION_COUNT requests have passed) and the secret aragora/test.
# Prints the key id and secret. Usage: python moto-secret.py ENDPOINT
import json, sys, boto3
url = sys.argv[1]
kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam = boto3.client("iam", **kw)
iam.create_user(UserName="aragora")
iam.put_user_policy(UserName="aragora", PolicyName="secrets", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="aragora")["AccessKey"]
sm = boto3.client("secretsmanager", **kw)
sm.create_secret(Name="aragora/test", SecretString=json.dumps({"ARAGORA_API_TOKEN": "from-the-secret", "ARAGORA_DEFAULT_ROUNDS": 2, "OPENAI_API_KEY": "sk-from-secret"}))
print(key["AccessKeyId"], key["SecretAccessKey"])
